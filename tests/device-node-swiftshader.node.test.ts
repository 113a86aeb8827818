import { nodeGpuTest } from './helpers/node-gpu-check';

nodeGpuTest('swiftshader', /swiftshader/i);
