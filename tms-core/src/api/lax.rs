//! Integer body fields that also accept an integer-valued string (`"12"`), as the framework of
//! the application tms re-creates did: its web client sends ids taken from the URL as strings.
//! Exactly `[0-9]{1,18}` is accepted as a string (what the API document states), so a string
//! never means anything a number could not.

use serde::de::{self, Deserializer, Visitor};

/// The pattern of the string form, as the API document states it.
pub const INT_STRING_PATTERN: &str = "^[0-9]{1,18}$";

struct LaxInt;

impl Visitor<'_> for LaxInt {
    type Value = i64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an integer, or a string of up to 18 digits")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    /// An integral number written with a fraction (`12.0`) is an integer to JSON Schema.
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        // The range an f64 holds exactly, and integral within it.
        const EXACT: f64 = 9_007_199_254_740_992.0;
        if v.fract() == 0.0 && v.abs() <= EXACT {
            #[allow(clippy::cast_possible_truncation)]
            return Ok(v as i64);
        }
        Err(E::invalid_value(de::Unexpected::Float(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        let digits = !v.is_empty() && v.len() <= 18 && v.bytes().all(|b| b.is_ascii_digit());
        match v.parse::<i64>() {
            Ok(n) if digits => Ok(n),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

/// `#[serde(deserialize_with = "lax::int")]` for an `i64`.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(LaxInt)
}

/// One element of a list of such integers.
struct Element(i64);

impl<'de> de::Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        int(d).map(Element)
    }
}

/// `#[serde(deserialize_with = "lax::ints")]` for a `Vec<i64>`.
pub fn ints<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    let elements: Vec<Element> = de::Deserialize::deserialize(d)?;
    Ok(elements.into_iter().map(|Element(n)| n).collect())
}

struct LaxOption;

impl<'de> Visitor<'de> for LaxOption {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("null, an integer, or a string of up to 18 digits")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        int(d).map(Some)
    }
}

/// For an `Option<i64>` (null or absent is `None`); use with `#[serde(default)]`.
pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_option(LaxOption)
}

/// For an `Option<Option<i64>>` that tells absent (outer `None`, with `#[serde(default)]`)
/// from null (`Some(None)`).
pub fn double_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    option(d).map(Some)
}

/// The two forms of such a field, for the OpenAPI document.
#[cfg(feature = "openapi")]
fn forms() -> [utoipa::openapi::schema::ObjectBuilder; 2] {
    use utoipa::openapi::KnownFormat;
    use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, Type};
    [
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(INT_STRING_PATTERN)),
    ]
}

/// The OpenAPI schema of such a field: an integer, or a string of digits.
#[cfg(feature = "openapi")]
pub fn int_schema() -> utoipa::openapi::schema::Schema {
    let [number, text] = forms();
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(number)
        .item(text)
        .description(Some("An integer; a string of its digits is accepted too."))
        .into()
}

/// [`int_schema`], or null.
#[cfg(feature = "openapi")]
pub fn nullable_int_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let [number, text] = forms();
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(number)
        .item(text)
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some(
            "An integer (a string of its digits is accepted too), or null.",
        ))
        .into()
}

#[cfg(test)]
mod tests {
    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Body {
        #[serde(deserialize_with = "super::int")]
        id: i64,
        #[serde(default, deserialize_with = "super::option")]
        other: Option<i64>,
        #[serde(default, deserialize_with = "super::double_option")]
        agent: Option<Option<i64>>,
    }

    fn parse(json: &str) -> Result<Body, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn integers_and_integer_strings() {
        let b = parse(r#"{"id": "12", "other": "7", "agent": "3"}"#).unwrap();
        assert_eq!((b.id, b.other, b.agent), (12, Some(7), Some(Some(3))));
        let b = parse(r#"{"id": 12, "agent": null}"#).unwrap();
        assert_eq!((b.id, b.other, b.agent), (12, None, Some(None)));
        assert_eq!(parse(r#"{"id": 1}"#).unwrap().agent, None);
        for bad in [
            r#"{"id": "1.5"}"#,
            r#"{"id": " 12"}"#,
            r#"{"id": "-1"}"#,
            r#"{"id": ""}"#,
            r#"{"id": "1234567890123456789"}"#,
            r#"{"id": 1.5}"#,
            r#"{"id": true}"#,
            r#"{"id": 18446744073709551615}"#,
            r#"{"id": 1, "other": "x"}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
