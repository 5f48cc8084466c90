/**
 * @tsk/runtime: tsk's OCI runtime as a library. `Runtime` holds the verbs; the node agent keeps
 * one in its warm process, and apps/runtime wraps it as the `tsk-runtime` CLI.
 */
export { Runtime, parseSignal, type Container, type CreateOptions, type RuntimeOptions } from './runtime.js';
export { execInContainer, mergeEnv, type ExecOptions, type ExecResult } from './exec.js';
export { RuntimeError, ConfigError, type RuntimeErrorCode } from './errors.js';
export { loadBundle, checkSpec, type Bundle, type Spec, type Process, type Resources, type Mount, type Linux } from './spec.js';
export { containerPlan, execPlan, encodePlan, type Overlay, type PlanContext } from './plan.js';
export { compileSeccomp, type CompiledSeccomp } from './seccomp.js';
export { parseMountOptions, MS } from './mount-options.js';
export { CAPABILITIES } from './capabilities.js';
export { StateStore, type OciState, type ExitRecord, type ContainerRecord, type Status } from './state.js';
export { LinuxSyscalls, SyscallError, type Syscalls } from './syscalls.js';
export { RecordingSyscalls, type SyscallRecord } from './fake-syscalls.js';
export { helperPath, type StdioSpec } from './helper.js';
export * from './cgroups/index.js';
export { noopLogger, type RuntimeLogger } from './logger.js';
