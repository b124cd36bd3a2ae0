//! Column builders: each table is a struct of typed vectors, one per
//! column, turned into a polars `DataFrame` in one step.

use polars::prelude::*;

/// A vector that becomes one polars column.
pub trait IntoColumn {
    /// Builds the column named `name`.
    fn into_column(self, name: &str) -> Column;
}

macro_rules! plain_columns {
    ($($ty:ty),*) => {$(
        impl IntoColumn for Vec<$ty> {
            fn into_column(self, name: &str) -> Column {
                Series::new(name.into(), self).into()
            }
        }
    )*};
}

plain_columns!(
    Option<String>,
    Option<u16>,
    Option<u32>,
    Option<bool>,
    bool,
    u16,
    u32,
    u64,
    String,
    Option<Vec<u8>>,
    &'static str,
    Option<&'static str>
);

/// Microseconds since the epoch, stored as `Datetime(us, UTC)`.
pub struct Micros(pub Vec<Option<i64>>);

impl IntoColumn for Micros {
    fn into_column(self, name: &str) -> Column {
        Series::new(name.into(), self.0)
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            .into()
    }
}

/// A text column filled from borrowed text: each value's bytes are copied
/// once, into the column's own buffer, instead of into a `String` per row
/// (the handshake table's texts cost an allocation each otherwise).
pub struct Strs(StringChunkedBuilder);

impl Strs {
    /// Appends one value (or a null).
    pub fn push(&mut self, value: Option<&str>) {
        self.0.append_option(value);
    }
}

impl IntoColumn for Strs {
    fn into_column(self, name: &str) -> Column {
        self.0.finish().with_name(name.into()).into_series().into()
    }
}

/// A value stored as text.
pub trait AsText {
    /// The text.
    fn as_text(&self) -> &str;
}

impl AsText for String {
    fn as_text(&self) -> &str {
        self
    }
}

/// A SHA-256 digest in hex (see [`crate::x509::hex32`]).
impl AsText for [u8; 64] {
    fn as_text(&self) -> &str {
        // Hex digits are ASCII, so a hex digest is always valid text.
        std::str::from_utf8(self).unwrap_or_default()
    }
}

/// A list of texts per row, kept flat: every row's values in one vector
/// and where each row ends, so a row costs no allocation of its own.
pub struct StrLists<T = String> {
    values: Vec<T>,
    ends: Vec<usize>,
}

impl<T> StrLists<T> {
    /// Appends one row.
    pub fn push(&mut self, row: impl IntoIterator<Item = T>) {
        self.values.extend(row);
        self.ends.push(self.values.len());
    }

    /// The values of the row pushed last (empty before the first).
    pub fn last(&self) -> &[T] {
        let end = self.ends.last().copied().unwrap_or(0);
        let start = match self.ends.len() {
            0 | 1 => 0,
            n => self.ends[n - 2],
        };
        &self.values[start..end]
    }
}

impl<T: AsText> IntoColumn for StrLists<T> {
    fn into_column(self, name: &str) -> Column {
        let mut builder =
            ListStringChunkedBuilder::new(name.into(), self.ends.len(), self.values.len());
        let mut start = 0;
        for &end in &self.ends {
            builder.append_values_iter(self.values[start..end].iter().map(AsText::as_text));
            start = end;
        }
        builder.finish().into_series().into()
    }
}

/// A column builder that can be made with room for a known number of rows,
/// so that filling it does not grow it step by step.
pub trait ColumnBuilder: IntoColumn {
    /// An empty builder with room for `rows` rows.
    fn with_rows(rows: usize) -> Self;
}

impl<T> ColumnBuilder for Vec<T>
where
    Vec<T>: IntoColumn,
{
    fn with_rows(rows: usize) -> Self {
        Vec::with_capacity(rows)
    }
}

impl ColumnBuilder for Micros {
    fn with_rows(rows: usize) -> Self {
        Micros(Vec::with_capacity(rows))
    }
}

impl ColumnBuilder for Strs {
    fn with_rows(rows: usize) -> Self {
        Strs(StringChunkedBuilder::new(PlSmallStr::EMPTY, rows))
    }
}

impl<T: AsText> ColumnBuilder for StrLists<T> {
    fn with_rows(rows: usize) -> Self {
        StrLists {
            values: Vec::with_capacity(rows),
            ends: Vec::with_capacity(rows),
        }
    }
}

/// Declares a table: a struct with one vector per column, in order, and
/// its conversion to a `DataFrame`.
macro_rules! table {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        pub struct $name {
            /// Rows pushed so far.
            pub rows: usize,
            $($(#[$fmeta])* #[doc = concat!("Column `", stringify!($field), "`.")] pub $field: $ty,)*
        }

        impl $name {
            /// An empty table with room for `rows` rows in every column.
            pub fn with_rows(rows: usize) -> Self {
                $name {
                    rows: 0,
                    $($field: $crate::dataset::columns::ColumnBuilder::with_rows(rows),)*
                }
            }

            /// The columns as a `DataFrame`.
            pub fn into_frame(self) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
                polars::prelude::DataFrame::new(self.rows, vec![
                    $($crate::dataset::columns::IntoColumn::into_column(self.$field, stringify!($field)),)*
                ])
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::with_rows(0)
            }
        }
    };
}

pub(crate) use table;
