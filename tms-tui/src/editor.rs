//! Editing text in the user's `$VISUAL` / `$EDITOR` (falling back to `vi`) through a temporary
//! file.

use std::io::Write;
use std::process::Command;

/// The editor command to run, split into program and arguments (e.g. `code --wait`).
pub fn editor_command() -> Vec<String> {
    let raw = std::env::var("VISUAL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|s| !s.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".to_string());
    raw.split_whitespace().map(str::to_string).collect()
}

/// Runs the editor on `text` and returns what was saved. The caller must have released the
/// terminal first.
pub fn edit(text: &str) -> Result<String, String> {
    let mut file = tempfile_md().map_err(|e| e.to_string())?;
    file.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    file.flush().map_err(|e| e.to_string())?;
    let cmd = editor_command();
    let (program, args) = cmd.split_first().ok_or("no editor configured")?;
    let status = Command::new(program)
        .args(args)
        .arg(file.path())
        .status()
        .map_err(|e| format!("{program}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "{program} exited with {status}; text left unchanged"
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
