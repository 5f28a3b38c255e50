// onnxruntime's usage reporting, off unless the operator asks for it.

/**
 * Since 1.29, onnxruntime on Linux and macOS reports usage to Microsoft (the 1DS SDK): a process
 * event at the first session, session and model events after it, uploads over HTTPS, a device id
 * kept in `~/.cache/Microsoft/DeveloperTools/.onnxruntime/deviceid` and an empty
 * `/tmp/mat-debug-<pid>.log` per process. A miner should not call out to anyone unasked, so both ways
 * of starting onnxruntime here (`_ort.ts`) call this first: it sets `ORT_DISABLE_TELEMETRY=1`, which turns all
 * of that off for the process, unless the variable is already set (`ORT_DISABLE_TELEMETRY=0` keeps
 * onnxruntime's default). It must run in the main thread, before the process's first session: a
 * worker thread's `process.env` is its own copy, which native code never reads, and onnxruntime reads
 * the variable once.
 */
export function optOutOfOnnxTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  env.ORT_DISABLE_TELEMETRY ??= '1';
}
