// Errors with stable codes (after undici's UND_ERR_*): users match on `code`, never on text.

export type JsprobeErrorCode =
  | 'JSPROBE_E_INVALID_SPEC'
  | 'JSPROBE_E_TARGET_NOT_FOUND'
  | 'JSPROBE_E_NOT_A_FUNCTION'
  | 'JSPROBE_E_NOT_WRAPPABLE'
  | 'JSPROBE_E_BLACKLISTED'
  | 'JSPROBE_E_SITE_UNAVAILABLE'
  | 'JSPROBE_E_UNSUPPORTED'
  | 'JSPROBE_E_GONE'
  | 'JSPROBE_E_UNSEEN_READ'
  | 'JSPROBE_E_NO_RESOLVER'
  | 'JSPROBE_E_LIVE_EDIT'
  | 'JSPROBE_E_MAX_PAUSE';

export class JsprobeError extends Error {
  readonly code: JsprobeErrorCode;

  constructor(code: JsprobeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JsprobeError';
    this.code = code;
  }
}

export function isJsprobeError(e: unknown, code?: JsprobeErrorCode): e is JsprobeError {
  return e instanceof JsprobeError && (code === undefined || e.code === code);
}
