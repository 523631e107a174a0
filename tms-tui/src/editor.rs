//! Editing text in the user's `$VISUAL` / `$EDITOR` (falling back to `vi`) through a temporary
//! file. The editor is a shell command line, run through `sh` as git runs it, so values such as
//! `code --wait` or a quoted path with spaces work.

use std::io::Write;
use std::path::Path;
use std::process::Command;

/// The editor command line the user chose.
pub fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

/// `editor` run on `path` the way git does: `sh -c '<editor> "$@"' <editor> <path>`.
#[cfg(unix)]
fn command(editor: &str, path: &Path) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(editor)
        .arg(path);
    cmd
}

#[cfg(not(unix))]
fn command(editor: &str, path: &Path) -> Command {
    let mut cmd = Command::new(editor);
    cmd.arg(path);
    cmd
}

/// Runs the user's editor on `text` and returns what was saved. The caller must have released
/// the terminal first.
pub fn edit(text: &str) -> Result<String, String> {
    edit_with(&editor_command(), text)
}

/// Runs `editor` (a shell command line) on `text` and returns what was saved.
pub fn edit_with(editor: &str, text: &str) -> Result<String, String> {
    let mut file = tempfile_md().map_err(|e| e.to_string())?;
    file.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    file.flush().map_err(|e| e.to_string())?;
    let status = command(editor, file.path())
        .status()
        .map_err(|e| format!("{editor}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "{editor} exited with {status}; text left unchanged"
        ));
    }
    std::fs::read_to_string(file.path()).map_err(|e| e.to_string())
}

fn tempfile_md() -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix("tms-")
        .suffix(".md")
        .tempfile()
}

#[cfg(all(test, unix))]
mod tests {
    use super::edit_with;

    #[test]
    fn editors_with_arguments_run_through_the_shell() {
        let saved = edit_with("printf 'edited %s' --flag >", "old").unwrap();
        assert_eq!(saved, "edited --flag");
    }

    #[test]
    fn quoted_editor_paths_with_spaces_work() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("my editors");
        std::fs::create_dir(&bin).unwrap();
        let script = bin.join("ed it");
        std::fs::write(
            &script,
            "#!/bin/sh\nprintf '%s, seen' \"$(cat \"$1\")\" > \"$1\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let editor = format!("\"{}\"", script.display());
        assert_eq!(edit_with(&editor, "text").unwrap(), "text, seen");
    }

    #[test]
    fn a_failing_editor_leaves_the_text_alone() {
        let err = edit_with("false", "keep").unwrap_err();
        assert!(err.contains("text left unchanged"), "{err}");
    }
}
