//! Input widgets with their own editing state, shared by every form and overlay.

pub mod text_area;
pub mod text_input;
pub mod wrap;

pub use text_area::TextArea;
pub use text_input::TextInput;

/// How many terminal columns `s` takes (wide characters two, combining marks none).
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}
