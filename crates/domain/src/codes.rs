//! Coded values (the standard's code tables, statuses, levels) as enums: each variant with the
//! key it is stored and sent as and its Chinese label. A key is parsed once where it enters;
//! an unknown key is an error naming it, never a default.

/// Characters of codes people read aloud or type (query codes, check-in codes): no 0/O, 1/I/L.
pub const UNAMBIGUOUS: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Declares a code enum: `Variant = "key", "标签";` for each variant. The enum gets `ALL`,
/// `key()`, `label()`, `FromStr` and `TryFrom<String>` (for reading database columns), and
/// serialises as its key.
#[macro_export]
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $key:literal, $label:literal;)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The key as stored and sent.
            pub fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)*
                }
            }

            /// What people read.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)*
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(key: &str) -> Result<$name, String> {
                match key {
                    $($key => Ok($name::$variant),)*
                    other => Err(format!(
                        "{} has no code {other:?}",
                        stringify!($name)
                    )),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(key: String) -> Result<$name, String> {
                key.parse()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.key())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.key())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let key = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                key.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::code_enum! {
        /// A test table.
        pub enum Colour {
            Red = "r", "红";
            Blue = "b", "蓝";
        }
    }

    #[test]
    fn keys_round_trip_and_unknown_keys_are_errors() {
        for c in Colour::ALL {
            assert_eq!(c.key().parse::<Colour>(), Ok(*c));
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(serde_json::from_str::<Colour>(&json).unwrap(), *c);
        }
        assert_eq!(Colour::Blue.label(), "蓝");
        assert!("g".parse::<Colour>().is_err());
        assert!(serde_json::from_str::<Colour>("\"g\"").is_err());
    }
}
