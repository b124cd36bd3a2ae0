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
    Option<u64>,
    Option<i64>,
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
#[derive(Default)]
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

impl Default for Strs {
    fn default() -> Self {
        Strs(StringChunkedBuilder::new(PlSmallStr::EMPTY, 0))
    }
}

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

impl<T> Default for StrLists<T> {
    fn default() -> Self {
        StrLists {
            values: Vec::new(),
            ends: Vec::new(),
        }
    }
}

impl<T> StrLists<T> {
    /// Appends one row.
    pub fn push(&mut self, row: impl IntoIterator<Item = T>) {
        self.values.extend(row);
        self.ends.push(self.values.len());
    }

    /// The values of the row pushed last (empty before the first).
    pub fn last(&self) -> &[T] {
        let start = self.ends.len().checked_sub(2).map_or(0, |i| self.ends[i]);
        &self.values[start..]
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

/// Declares a table: a struct with one vector per column, in order, and
/// its conversion to a `DataFrame`.
macro_rules! table {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Default)]
        pub struct $name {
            /// Rows pushed so far.
            pub rows: usize,
            $($(#[$fmeta])* #[doc = concat!("Column `", stringify!($field), "`.")] pub $field: $ty,)*
        }

        impl $name {
            /// The columns as a `DataFrame`.
            pub fn into_frame(self) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
                polars::prelude::DataFrame::new(self.rows, vec![
                    $($crate::dataset::columns::IntoColumn::into_column(self.$field, stringify!($field)),)*
                ])
            }
        }
    };
}

pub(crate) use table;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_lists_keep_their_rows() {
        let mut lists = StrLists::<String>::default();
        assert!(lists.last().is_empty());
        lists.push(["a".to_owned(), "b".to_owned()]);
        assert_eq!(lists.last(), ["a", "b"]);
        lists.push([]);
        assert!(lists.last().is_empty());
        lists.push(["c".to_owned()]);
        assert_eq!(lists.last(), ["c"]);
        let column = lists.into_column("names");
        let list = column.list().unwrap();
        let rows: Vec<Vec<String>> = (0..list.len())
            .map(|i| {
                let row = list.get_as_series(i).unwrap();
                row.str()
                    .unwrap()
                    .iter()
                    .map(|v| v.unwrap().to_owned())
                    .collect()
            })
            .collect();
        assert_eq!(rows, [vec!["a", "b"], vec![], vec!["c"]]);
    }
}
