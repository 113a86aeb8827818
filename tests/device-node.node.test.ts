import { lavapipeIcd } from '../src/kernels/device-node';
import { nodeGpuTest } from './helpers/node-gpu-check';

// One Vulkan driver per process (Vitest runs each file in its own): a SwiftShader device
// created after a lavapipe one in the same process crashes inside the drivers.
// CI installs lavapipe (.ci/install-system.sh), so 'auto' must find it there.
nodeGpuTest('auto', lavapipeIcd() !== null && process.env.VK_ICD_FILENAMES === undefined ? /llvmpipe/ : null);
