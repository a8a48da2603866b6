//! Locale resolution, implemented once and used by both builds: the SSR middleware resolves the locale of
//! every request with [`effective_locale`], and the client recomputes it with the same function after a
//! preference changes. Order: explicit override → user preference → workspace default → browser
//! (`Accept-Language`) → system default → English. Unsupported or malformed values are skipped.

pub use crate::i18n::Locale;

/// Every locale the product ships, in the order the language switch offers them.
pub const SUPPORTED: [Locale; 2] = [Locale::en, Locale::de];

/// The BCP-47 tag we store and send (`"en"`, `"de"`).
pub fn tag(locale: Locale) -> &'static str {
    match locale {
        Locale::en => "en",
        Locale::de => "de",
    }
}

/// Parses a BCP-47 tag by its primary language subtag (`"de-AT"` → German). `None` when unsupported.
pub fn parse(value: &str) -> Option<Locale> {
    let v = value.trim();
    if v.is_empty() || v.len() > 35 {
        return None;
    }
    let primary = v.split(['-', '_']).next()?;
    if primary.eq_ignore_ascii_case("en") {
        Some(Locale::en)
    } else if primary.eq_ignore_ascii_case("de") {
        Some(Locale::de)
    } else {
        None
    }
}

/// The first supported language of an `Accept-Language` header, honouring q-values.
pub fn from_accept_language(header: &str) -> Option<Locale> {
    let mut candidates: Vec<(f32, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut it = part.split(';');
            let tag = it.next()?.trim();
            let q = it.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            (q > 0.0).then_some((q, i, tag))
        })
        .collect();
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    candidates.into_iter().find_map(|(_, _, tag)| parse(tag))
}

/// The inputs of [`effective_locale`], as stored (raw strings, possibly unsupported).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LocaleInputs {
    /// Short-lived explicit choice (anonymous visitors' switch, or `?locale=`).
    pub override_: Option<String>,
    pub user: Option<String>,
    pub workspace: Option<String>,
    /// The first supported language the browser asked for.
    pub browser: Option<String>,
    pub system: Option<String>,
}

/// The one locale resolution rule of the product.
pub fn effective_locale(inputs: &LocaleInputs) -> Locale {
    [&inputs.override_, &inputs.user, &inputs.workspace, &inputs.browser, &inputs.system]
        .into_iter()
        .filter_map(|v| v.as_deref())
        .find_map(parse)
        .unwrap_or(Locale::en)
}

/// A UTC timestamp for display, per locale (`2025-01-31 14:05 UTC` / `31.01.2025 14:05 UTC`). The same code
/// runs on the server and in the browser, so hydration never disagrees.
pub fn format_datetime(locale: Locale, at: &chrono::DateTime<chrono::Utc>) -> String {
    match locale {
        Locale::en => at.format("%Y-%m-%d %H:%M UTC").to_string(),
        Locale::de => at.format("%d.%m.%Y %H:%M UTC").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_are_formatted_per_locale() {
        use chrono::TimeZone;
        let at = chrono::Utc.with_ymd_and_hms(2025, 1, 31, 14, 5, 9).unwrap();
        assert_eq!(format_datetime(Locale::en, &at), "2025-01-31 14:05 UTC");
        assert_eq!(format_datetime(Locale::de, &at), "31.01.2025 14:05 UTC");
    }

    fn inputs(o: Option<&str>, u: Option<&str>, w: Option<&str>, b: Option<&str>, s: Option<&str>) -> LocaleInputs {
        LocaleInputs {
            override_: o.map(Into::into),
            user: u.map(Into::into),
            workspace: w.map(Into::into),
            browser: b.map(Into::into),
            system: s.map(Into::into),
        }
    }

    #[test]
    fn order_is_override_user_workspace_browser_system() {
        assert_eq!(effective_locale(&inputs(Some("de"), Some("en"), Some("en"), Some("en"), Some("en"))), Locale::de);
        assert_eq!(effective_locale(&inputs(None, Some("de"), Some("en"), Some("en"), Some("en"))), Locale::de);
        assert_eq!(effective_locale(&inputs(None, Some("en"), Some("de"), Some("de"), Some("de"))), Locale::en);
        assert_eq!(effective_locale(&inputs(None, None, Some("de"), Some("en"), Some("en"))), Locale::de);
        assert_eq!(effective_locale(&inputs(None, None, None, Some("de"), Some("en"))), Locale::de);
        assert_eq!(effective_locale(&inputs(None, None, None, None, Some("de"))), Locale::de);
    }

    #[test]
    fn unsupported_values_are_skipped_and_english_is_the_fallback() {
        assert_eq!(effective_locale(&inputs(Some("fr"), Some("xx-YY"), Some("de"), None, None)), Locale::de);
        assert_eq!(effective_locale(&inputs(Some(""), Some("  "), None, None, Some("klingon"))), Locale::en);
        assert_eq!(effective_locale(&LocaleInputs::default()), Locale::en);
    }

    #[test]
    fn tags_parse_by_primary_subtag() {
        assert_eq!(parse("de-AT"), Some(Locale::de));
        assert_eq!(parse("EN_us"), Some(Locale::en));
        assert_eq!(parse("fr"), None);
        assert_eq!(parse(&"d".repeat(2000)), None);
        for l in SUPPORTED {
            assert_eq!(parse(tag(l)), Some(l));
        }
    }

    #[test]
    fn accept_language_honours_quality() {
        assert_eq!(from_accept_language("fr-FR,fr;q=0.9,de;q=0.8,en;q=0.7"), Some(Locale::de));
        assert_eq!(from_accept_language("en;q=0.5, de;q=0.9"), Some(Locale::de));
        assert_eq!(from_accept_language("fr, es"), None);
        assert_eq!(from_accept_language("de;q=0, en"), Some(Locale::en));
    }
}
