// Writes that readers never see half done (replacing the old content whole).
export { writeFileAtomic } from './atomic-write.js';
// A finished file or folder moved to its name, never replacing what is there.
export { moveIntoPlace } from './move-into-place.js';

// Reads of files someone else may have made: plain names inside their folder, regular files only, sizes before allocation.
export { fileInside, openRegularFile, openRegularFileSync, readRegularFile, readJsonFile, MAX_JSON_BYTES, type RegularFileLimits } from './safe-files.js';

// What was read, checked before use: a zod schema, finite numbers.
export { validated, checkFinite } from './file-schema.js';

// One writer per folder.
export { lockFolder, LOCK_FILE, type FolderLock } from './folder-lock.js';
