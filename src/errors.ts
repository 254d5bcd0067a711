// UserError: bad input or environment (exit 2, one line naming file/line/field); anything else is a bug.

export interface UserErrorWhere {
  file?: string;
  line?: number;
  field?: string;
}

export class UserError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  constructor(message: string, where: UserErrorWhere = {}) {
    super(message);
    this.name = 'UserError';
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }

  /** One line: `file:line: field: message` with the parts that are known. */
  describe(): string {
    const loc = [this.file, this.line !== undefined ? String(this.line) : undefined]
      .filter((p) => p !== undefined)
      .join(':');
    const parts = [loc, this.field].filter((p) => p !== undefined && p !== '');
    return parts.length ? `${parts.join(': ')}: ${this.message}` : this.message;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
