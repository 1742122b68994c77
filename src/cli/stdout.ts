// `jsprobe … | head`: the reader of the command's stdout went away. As a Unix tool does on SIGPIPE,
// the command stops and exits 141, but stops as on SIGTERM (the command is ended, an attached
// process is detached); what was left to print goes nowhere. One watch per process, made by the
// command's entry (front.ts) and handed to the path that runs.

export interface StdoutWatch {
  /** The reader is gone: nothing more is written to stdout, and the command exits 141. */
  readonly gone: boolean;
  /** process.stdout has been made (armed before its first use). */
  readonly armed: boolean;
  /**
   * Listen for the reader going away: before the first write to stdout, which is the first use of
   * process.stdout (making it is a stream, and for a terminal Node's tty module, that a `-c` run
   * need not make before its program starts).
   */
  arm(): void;
}

export function watchStdout(): StdoutWatch {
  let armed = false;
  const watch = {
    gone: false,
    get armed() {
      return armed;
    },
    arm: () => {
      if (armed) return;
      armed = true;
      process.stdout.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPIPE') throw e;
        if (watch.gone) return;
        watch.gone = true;
        if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM');
        else process.exit(141);
      });
    },
  };
  return watch;
}
