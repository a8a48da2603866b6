//! `string_ids!`: a closed set of stable string ids (run types, statuses, connection states …) as an enum
//! with `ALL`, `id()` and `parse()`. Ids are what is stored and served; the UI translates them.

/// Declares a closed set of stable string ids: the enum, `ALL`, `id()` and `parse()`.
macro_rules! string_ids {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $id:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
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
    };
}
