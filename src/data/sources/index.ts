/** Labelled images from disk: folders with `pos/` and `neg/` (optionally a manifest) and NATIX parquet files. */
export { folderLayout, noLabelledData, type FolderLayout } from './_layout.js';
export {
  SkippedImages,
  decodeLabelled,
  describeSkip,
  drawReadable,
  openImageFolder,
  type ImageSkip,
  type LabelledImage,
  type LabelledImageSource,
  type SkippedImagesOptions,
} from './_folder.js';
export {
  findParquetFiles,
  isConsistentRow,
  openParquetSource,
  type ParquetImageSource,
  type ParquetSourceOptions,
} from './_parquet.js';
