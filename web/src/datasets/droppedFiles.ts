// What a person dropped or picked: files with their paths inside any dropped folder (`brain/test/a.jpg`), so a
// dataset's layout (COCO splits, YOLO's images/ and labels/) reaches the server's import as it is on their disk.

export interface DroppedFile { file: File; path: string }

const ARCHIVE = /\.(zip|tar\.gz|tgz|tar)$/i;
/** Files that only a dataset holds beside its images: COCO/LabelMe/SA-1B JSON, YOLO's data.yaml and labels, CVAT XML. */
const ANNOTATION = /\.(json|ya?ml|txt|xml)$/i;

/** Every file of a drop, folders walked (through the File and Directory Entries API); a drop whose items are not
 * entries (a page's synthetic DataTransfer) gives its files by name. */
export async function droppedFiles(transfer: DataTransfer): Promise<DroppedFile[]> {
  // entries must be taken while the drop event runs; reading them may come later
  const entries = Array.from(transfer.items ?? []).map((item) => (item.kind === "file" ? item.webkitGetAsEntry?.() ?? null : null));
  if (!entries.length || entries.some((entry) => entry === null)) return picked(transfer.files);
  const found: DroppedFile[] = [];
  for (const entry of entries) await walk(entry!, found);
  return found;
}

/** Files from a file input; a folder picker (`webkitdirectory`) gives each file's path inside the folder. */
export function picked(files: FileList | File[] | null): DroppedFile[] {
  return Array.from(files ?? []).map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

async function walk(entry: FileSystemEntry, found: DroppedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    found.push({ file, path: entry.fullPath.replace(/^\/+/, "") || file.name });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // a folder's entries come in batches (100 at a time in Chromium) until an empty one
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (!batch.length) break;
      for (const child of batch) await walk(child, found);
    }
  }
}

/** Whether a drop is a dataset to import (one archive alone, a folder, or annotation files beside images) rather
 * than images, videos and zips of images to upload as they are. */
export function holdsDataset(files: DroppedFile[]): boolean {
  if (files.length === 1 && ARCHIVE.test(files[0].path)) return true;
  return files.some(({ path }) => ANNOTATION.test(path) || path.includes("/"));
}

/** A project name for a dropped dataset: its archive's or folder's name without Roboflow's export suffixes
 * (`Brain Tumor.v1i.coco-segmentation.zip` → `Brain Tumor`). */
export function nameFor(files: DroppedFile[]): string {
  if (!files.length) return "";
  const first = files[0].path;
  const top = first.includes("/") ? first.split("/")[0] : files.length === 1 ? first : "";
  const stem = top.replace(ARCHIVE, "").replace(/\.v\d+[a-z]*(\.[\w-]+)?$/i, "").trim();
  return /^#?\d+$/.test(stem) ? `project-${stem.replace("#", "")}` : stem;
}
