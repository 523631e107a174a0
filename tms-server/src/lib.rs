//! tms server.
