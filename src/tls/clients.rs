//! Named client offers (`data/client-offers.csv`): the versions and suites
//! a typical client of a year offered, in its order, so a server's accepted
//! set and preference can be turned into the suite it would negotiate with
//! that client. The lists approximate each software's defaults; they are
//! data, to be refined, not measurements.

use std::sync::OnceLock;

use crate::formats::enumeration::suite_code;

/// One client.
#[derive(Debug, Clone)]
pub struct Client {
    /// Short name (`postfix_2015`).
    pub client: String,
    /// What it stands for.
    pub label: String,
    /// Lowest and highest version offered (wire values).
    pub versions: (u16, u16),
    /// Offered suites in the client's order, as `cipher_suites` codes.
    pub suites: Vec<u32>,
}

fn version(text: &str) -> u16 {
    u16::from_str_radix(text.trim_start_matches("0x"), 16).unwrap_or(0)
}

/// The built-in clients, in file order.
pub fn clients() -> &'static [Client] {
    static CLIENTS: OnceLock<Vec<Client>> = OnceLock::new();
    CLIENTS.get_or_init(|| {
        crate::csv::records(include_str!("../../data/client-offers.csv"))
            .into_iter()
            .filter_map(|r| {
                let (low, high) = (
                    version(r.get("min_version")?),
                    version(r.get("max_version")?),
                );
                let suites = r
                    .get("suites")?
                    .split_whitespace()
                    .filter_map(|name| suite_code(high.min(0x0303), name))
                    .collect();
                Some(Client {
                    client: r.get("client")?.clone(),
                    label: r.get("label")?.clone(),
                    versions: (low, high),
                    suites,
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_suite_is_known() {
        let file = include_str!("../../data/client-offers.csv");
        for (client, record) in clients().iter().zip(crate::csv::records(file)) {
            let named = record["suites"].split_whitespace().count();
            assert_eq!(client.suites.len(), named, "{}", client.client);
            assert!(client.versions.0 <= client.versions.1);
        }
        assert_eq!(clients().len(), 4);
    }
}
