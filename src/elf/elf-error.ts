import { FluoroError } from '../errors.js';

/** A file that is not an ELF file we understand, or is damaged. The message names the file. */
export class ElfError extends FluoroError {
  constructor(readonly path: string, detail: string) {
    super(`${path}: ${detail}`);
  }
}
