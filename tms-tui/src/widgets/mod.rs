//! Input widgets with their own editing state, shared by every form and overlay.

pub mod text_area;
pub mod text_input;

pub use text_area::TextArea;
pub use text_input::TextInput;
