//! Folders given to the uploader: dropped (every file inside, recursively,
//! through `webkitGetAsEntry`) or chosen with "Choose a folder". Hidden files
//! (`.DS_Store`, `._photo.jpg`, `Thumbs.db`) are never offered; other
//! non-images go on to the uploader, which refuses each with its reason.

use js_sys::{Array, Function, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DataTransfer, File, FileList, FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry};

pub fn files_of(list: Option<FileList>) -> Vec<File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Files a folder holds only for the system's own use.
pub fn hidden(name: &str) -> bool {
    name.starts_with('.') || name.eq_ignore_ascii_case("Thumbs.db") || name.eq_ignore_ascii_case("desktop.ini")
}

/// The visible files of a list (a folder chosen with the picker lists every file in it).
pub fn visible(files: Vec<File>) -> Vec<File> {
    files.into_iter().filter(|f| !hidden(&f.name())).collect()
}

/// What was dropped: plain files (read at once), or entries with a folder among
/// them. Entries must be taken while the drop event runs: the browser empties
/// the DataTransfer when its handler returns; reading them can go on after.
pub enum Dropped {
    Files(Vec<File>),
    Entries(Vec<FileSystemEntry>),
}

pub fn dropped(dt: &DataTransfer) -> Dropped {
    let items = dt.items();
    let entries: Vec<FileSystemEntry> = (0..items.length())
        .filter_map(|i| items.get(i))
        .filter(|item| item.kind() == "file")
        .filter_map(|item| item.webkit_get_as_entry().ok().flatten())
        .collect();
    if entries.iter().any(FileSystemEntry::is_directory) {
        Dropped::Entries(entries)
    } else {
        Dropped::Files(files_of(dt.files()))
    }
}

/// Calls a callback-style API and waits for its answer.
async fn answer(call: impl FnOnce(&Function, &Function) -> Result<(), JsValue>) -> Result<JsValue, JsValue> {
    let mut call = Some(call);
    let mut failed = None;
    let promise = Promise::new(&mut |ok, err| {
        if let Some(call) = call.take()
            && let Err(e) = call(&ok, &err)
        {
            failed = Some(e);
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    JsFuture::from(promise).await
}

/// Every visible file under the entries, folders walked depth-first in name order.
pub async fn walk(entries: Vec<FileSystemEntry>) -> Vec<File> {
    let mut files = Vec::new();
    let mut stack: Vec<FileSystemEntry> = entries.into_iter().rev().collect();
    while let Some(entry) = stack.pop() {
        if hidden(&entry.name()) {
            continue;
        }
        if entry.is_directory() {
            let reader = entry.unchecked_into::<FileSystemDirectoryEntry>().create_reader();
            let mut children = Vec::new();
            // readEntries answers in batches (100 in Chromium); an empty one means done.
            while let Ok(batch) = answer(|ok, err| reader.read_entries_with_callback_and_callback(ok, err)).await {
                let batch: Array = batch.unchecked_into();
                if batch.length() == 0 {
                    break;
                }
                children.extend(batch.iter().map(JsCast::unchecked_into::<FileSystemEntry>));
            }
            children.sort_by_key(FileSystemEntry::name);
            stack.extend(children.into_iter().rev());
        } else if entry.is_file() {
            let entry: FileSystemFileEntry = entry.unchecked_into();
            let file = answer(|ok, err| {
                entry.file_with_callback_and_callback(ok, err);
                Ok(())
            })
            .await;
            if let Ok(file) = file {
                files.push(file.unchecked_into());
            }
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::hidden;

    #[test]
    fn system_files_are_hidden() {
        for name in [".DS_Store", "._IMG_1.jpg", "Thumbs.db", "desktop.ini"] {
            assert!(hidden(name), "{name}");
        }
        assert!(!hidden("IMG_1.jpg"));
        assert!(!hidden("notes.txt"));
    }
}
