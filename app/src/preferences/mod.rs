//! Display preferences: language and colour theme. The language is a user preference when signed in and
//! a short-lived override cookie otherwise; the theme is a long-lived cookie. Both switches are real
//! `<form>`s that work without JavaScript and update the page in place when hydrated.

pub mod api;
pub mod components;
#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

use crate::{error::AppError, locale::Locale};

/// Colour theme. `System` follows `prefers-color-scheme`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Theme {
    Light,
    Dark,
    #[default]
    System,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
            Self::System => "system",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "light" => Some(Self::Light),
            "dark" => Some(Self::Dark),
            "system" => Some(Self::System),
            _ => None,
        }
    }

    /// The theme the toggle switches to (light → dark → system → light).
    pub fn next(self) -> Self {
        match self {
            Self::Light => Self::Dark,
            Self::Dark => Self::System,
            Self::System => Self::Light,
        }
    }
}

/// What the language switch submits: a supported locale, or `auto` (forget the preference).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocaleChoice {
    Auto,
    Fixed(Locale),
}

impl LocaleChoice {
    pub fn parse(value: Option<&str>) -> Result<Self, AppError> {
        match value.map(str::trim) {
            Some("auto") => Ok(Self::Auto),
            Some(v) => crate::locale::parse(v)
                .filter(|l| crate::locale::tag(*l).eq_ignore_ascii_case(v))
                .map(Self::Fixed)
                .ok_or_else(|| AppError::validation("locale", "unsupported")),
            None => Err(AppError::validation("locale", "required")),
        }
    }

    pub fn tag(self) -> Option<&'static str> {
        match self {
            Self::Auto => None,
            Self::Fixed(l) => Some(crate::locale::tag(l)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_choice_accepts_only_exact_supported_tags() {
        assert_eq!(LocaleChoice::parse(Some("de")).unwrap(), LocaleChoice::Fixed(Locale::de));
        assert_eq!(LocaleChoice::parse(Some("auto")).unwrap(), LocaleChoice::Auto);
        assert!(LocaleChoice::parse(Some("fr")).is_err());
        assert!(LocaleChoice::parse(Some("de-XX-evil")).is_err());
        assert!(LocaleChoice::parse(None).is_err());
    }

    #[test]
    fn theme_round_trips_and_cycles() {
        for t in [Theme::Light, Theme::Dark, Theme::System] {
            assert_eq!(Theme::parse(t.as_str()), Some(t));
        }
        assert_eq!(Theme::Light.next().next().next(), Theme::Light);
        assert_eq!(Theme::parse("neon"), None);
    }
}
