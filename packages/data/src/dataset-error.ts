/** What would fix a dataset problem; a front end phrases it (the CLI names a command to run). */
export type DatasetRemedy = 'recompute-stats' | 'prepare' | 'choose-another-folder';

/** A prepared dataset that cannot be used as it is: the message says what is wrong, `remedy` what fixes it. */
export class DatasetError extends Error {
  constructor(
    message: string,
    readonly dataset: string,
    readonly remedy: DatasetRemedy,
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}
