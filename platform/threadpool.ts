/**
 * Imported first by every process entry (control-plane/main/*): libuv's thread pool runs every file
 * operation, and its default of 4 threads is taken by as many fsyncs of the spool and the backup
 * store at once, which then holds up every other read and write of the process. Only effective
 * before the pool's first use, hence the first import; an operator's own UV_THREADPOOL_SIZE wins.
 */
export const THREADPOOL_SIZE = 16;
process.env.UV_THREADPOOL_SIZE ??= String(THREADPOOL_SIZE);
