//! The real `tms` binary in tmux on an embedded demo server (filled in below).
