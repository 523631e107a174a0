//! Where the scripting commands print, and in which form: plain tables for people, the
//! server's own JSON and CSV for programs (docs/CLI.md, "Output").

use super::table::Table;
use crate::api::Raw;
use std::io::{self, BufWriter, IsTerminal, Stdout, Write};
use tms_core::timefmt::Timestamp;

/// How a list is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns, fitted to the terminal's width.
    #[default]
    Table,
    /// A JSON array of the objects as the server sent them, on one line.
    Json,
    /// A header row, then one record per object (RFC 4180 quoting).
    Csv,
}

/// The output flags of a command that prints a list.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ListFormat {
    /// Print a JSON array of the objects exactly as the server sent them (same as
    /// `--format json`).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// table (the default), json or csv.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
}

impl ListFormat {
    pub fn format(&self) -> Format {
        if self.json {
            Format::Json
        } else {
            self.format.unwrap_or_default()
        }
    }
}

/// The output flag of a command that prints one object.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct JsonFlag {
    /// Print the object exactly as the server sent it (JSON, one line).
    #[arg(long)]
    pub json: bool,
}

/// A kind of object that can be listed: its table columns and its CSV columns.
pub trait Listed {
    /// The table's headers, one per cell of [`Listed::table_row`].
    const TABLE: &'static [&'static str];
    /// The CSV header row, one per field of [`Listed::csv_record`]: documented, stable names.
    const CSV: &'static [&'static str];
    /// What a table shows when there is nothing to list, e.g. "No tickets match.".
    const NONE: &'static str;
    fn table_row(&self, now: Timestamp) -> Vec<String>;
    fn csv_record(&self) -> Vec<String>;
}

/// Standard output, buffered, and what is known about where it goes.
pub struct Out {
    w: BufWriter<Stdout>,
    /// The terminal's width when stdout is one; `None` when it is a pipe or a file, where
    /// nothing is cut or coloured.
    width: Option<usize>,
    bold: bool,
    now: Timestamp,
}

impl Out {
    pub fn stdout() -> Self {
        let stdout = io::stdout();
        let terminal = stdout.is_terminal();
        let width = terminal.then(terminal_width);
        Self {
            w: BufWriter::new(stdout),
            width,
            bold: terminal && colour_allowed(),
            now: tms_core::timefmt::now(),
        }
    }

    /// Whether stdout is a terminal (a person reading, not a program).
    pub fn is_terminal(&self) -> bool {
        self.width.is_some()
    }

    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Writes `text` and a newline.
    pub fn line(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.w, "{text}")
    }

    /// Writes a block of text as it is, adding a final newline if it lacks one.
    pub fn block(&mut self, text: &str) -> io::Result<()> {
        self.w.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            self.w.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Writes one object's JSON as the server sent it, on its own line.
    pub fn json<T>(&mut self, value: &Raw<T>) -> io::Result<()> {
        self.line(value.json())
    }

    /// Writes `items` in `format`.
    pub fn list<T: Listed>(&mut self, format: Format, items: &[Raw<T>]) -> io::Result<()> {
        match format {
            Format::Json => self.json_array(items),
            Format::Csv => self.csv(items),
            Format::Table => self.table(items),
        }
    }

    fn json_array<T>(&mut self, items: &[Raw<T>]) -> io::Result<()> {
        serde_json::to_writer(&mut self.w, items)?;
        self.w.write_all(b"\n")
    }

    fn csv<T: Listed>(&mut self, items: &[Raw<T>]) -> io::Result<()> {
        let mut csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(&mut self.w);
        csv.write_record(T::CSV).map_err(csv_io)?;
        for item in items {
            csv.write_record(item.value.csv_record()).map_err(csv_io)?;
        }
        csv.flush()
    }

    fn table<T: Listed>(&mut self, items: &[Raw<T>]) -> io::Result<()> {
        if items.is_empty() {
            return self.note(T::NONE);
        }
        let mut table = Table::new(T::TABLE);
        for item in items {
            table.push(item.value.table_row(self.now));
        }
        let text = table.render(self.width, self.bold);
        self.w.write_all(text.as_bytes())
    }

    /// A remark for the person at the terminal, on stderr so that it never mixes with data;
    /// what was printed before it is flushed first, so that it also reads in order.
    pub fn note(&mut self, text: &str) -> io::Result<()> {
        self.w.flush()?;
        let _ = writeln!(io::stderr(), "{text}");
        Ok(())
    }

    /// Flushes what is buffered; a failure here (a closed pipe) is the command's failure.
    pub fn finish(mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// The columns of the terminal: its own size, else `COLUMNS`, else 80.
fn terminal_width() -> usize {
    crossterm::terminal::size()
        .ok()
        .map(|(w, _)| usize::from(w))
        .filter(|w| *w > 0)
        .or_else(|| std::env::var("COLUMNS").ok()?.trim().parse().ok())
        .unwrap_or(80)
}

/// Emphasis is allowed unless `NO_COLOR` is set (to anything but empty) or the terminal is
/// dumb.
fn colour_allowed() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    !no_color && !dumb
}

fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// A time as the API writes it (`2026-11-29T06:12:01`, UTC), for CSV.
pub fn wire_time(t: Timestamp) -> String {
    tms_core::timefmt::format(t)
}

/// An optional time for CSV: empty when absent.
pub fn wire_time_opt(t: Option<Timestamp>) -> String {
    t.map(wire_time).unwrap_or_default()
}
