//! A reply decoded into its type while its JSON text is kept as the server sent it: the
//! command line's `--json` prints that text, so scripts read exactly what the API answers
//! (fields this client does not know included) rather than this client's idea of it.

use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

/// `T` decoded, and the JSON text it was decoded from (byte for byte, as a part of the reply).
/// Works inside other types too: a `Page<Raw<TicketListItem>>` keeps each ticket's text.
#[derive(Debug, Clone)]
pub struct Raw<T> {
    pub value: T,
    json: Box<RawValue>,
}

impl<T> Raw<T> {
    /// The JSON text the server sent for this value.
    pub fn json(&self) -> &str {
        self.json.get()
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Raw<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let json = Box::<RawValue>::deserialize(d)?;
        let value = serde_json::from_str(json.get()).map_err(D::Error::custom)?;
        Ok(Self { value, json })
    }
}

impl<T> Serialize for Raw<T> {
    /// The text as it came, so a list of kept values serialises to the replies' own bytes.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tms_core::api::{Page, UserSummary};

    #[test]
    fn the_text_is_kept_as_sent_and_the_value_decoded() {
        let body = r#"{"items":[{"id":3, "username":"ann","email":"a@example.com","role":"Requester","later":[1]}],"total":1,"page":1,"size":50,"pages":1}"#;
        let page: Page<Raw<UserSummary>> = serde_json::from_str(body).unwrap();
        let item = &page.items[0];
        assert_eq!(item.value.username, "ann");
        assert_eq!(
            item.json(),
            r#"{"id":3, "username":"ann","email":"a@example.com","role":"Requester","later":[1]}"#
        );
        assert_eq!(
            serde_json::to_string(&page.items).unwrap(),
            format!("[{}]", item.json())
        );
    }

    #[test]
    fn a_value_of_the_wrong_shape_is_an_error() {
        assert!(serde_json::from_str::<Raw<UserSummary>>(r#"{"id":"x"}"#).is_err());
    }
}
