//! tms terminal client.
