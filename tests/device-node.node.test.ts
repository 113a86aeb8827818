import { lavapipeIcd } from '../src/kernels/device-node';
import { nodeGpuTest } from './helpers/node-gpu-check';

// CI installs lavapipe (.ci/install-system.sh), so 'auto' must find it there, before SwiftShader.
nodeGpuTest('auto', lavapipeIcd() !== null && process.env.VK_ICD_FILENAMES === undefined ? /llvmpipe/ : null);
if (lavapipeIcd() !== null) nodeGpuTest('lavapipe', /llvmpipe/);
nodeGpuTest('swiftshader', /swiftshader/i);
