//! `string_ids!`: a closed set of stable string ids (run types, statuses, connection states …) as an enum
//! with `ALL`, `id()` and `parse()`. Ids are what is stored and served; the UI translates them.

/// Declares a closed set of stable string ids: the enum, `ALL`, `id()`, `parse()`, and serde as the id.
macro_rules! string_ids {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $id:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// Stable id, as stored and served.
            pub fn id(self) -> &'static str {
                match self { $($name::$variant => $id),* }
            }

            pub fn parse(id: &str) -> Option<Self> {
                match id { $($id => Some($name::$variant),)* _ => None }
            }
        }

        /// Serialized as its stable id (`"succeeded"`), never as the Rust variant name.
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.id())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <String as ::serde::Deserialize>::deserialize(d)?;
                Self::parse(&raw).ok_or_else(|| <D::Error as ::serde::de::Error>::custom(format!("unknown id {raw:?}")))
            }
        }
    };
}
