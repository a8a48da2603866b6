//! IANA time zone names a workspace may choose. `chrono-tz` is not a dependency (it would add its whole
//! database to the wasm bundle for one validation), so this is a curated, compile-time list of canonical
//! IANA zone names covering the regions TenantPilot serves; the settings form offers exactly these and the
//! server accepts exactly these. Adding a zone is one line (keep the list sorted; a test checks it).

/// The zone every workspace starts with.
pub const DEFAULT_TIMEZONE: &str = "UTC";

/// Accepted IANA zone names, sorted.
pub const TIMEZONES: &[&str] = &[
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Africa/Lagos",
    "Africa/Nairobi",
    "America/Anchorage",
    "America/Argentina/Buenos_Aires",
    "America/Bogota",
    "America/Chicago",
    "America/Denver",
    "America/Halifax",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/New_York",
    "America/Phoenix",
    "America/Santiago",
    "America/Sao_Paulo",
    "America/Toronto",
    "America/Vancouver",
    "Asia/Bangkok",
    "Asia/Dubai",
    "Asia/Hong_Kong",
    "Asia/Jakarta",
    "Asia/Jerusalem",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Manila",
    "Asia/Seoul",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Taipei",
    "Asia/Tokyo",
    "Atlantic/Reykjavik",
    "Australia/Adelaide",
    "Australia/Brisbane",
    "Australia/Melbourne",
    "Australia/Perth",
    "Australia/Sydney",
    "Europe/Amsterdam",
    "Europe/Athens",
    "Europe/Berlin",
    "Europe/Brussels",
    "Europe/Bucharest",
    "Europe/Budapest",
    "Europe/Copenhagen",
    "Europe/Dublin",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Europe/Lisbon",
    "Europe/London",
    "Europe/Luxembourg",
    "Europe/Madrid",
    "Europe/Oslo",
    "Europe/Paris",
    "Europe/Prague",
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Vienna",
    "Europe/Warsaw",
    "Europe/Zurich",
    "Pacific/Auckland",
    "Pacific/Honolulu",
    "UTC",
];

/// The canonical zone name for `raw` (exact, case-sensitive like IANA names), or `None`.
pub fn parse(raw: &str) -> Option<&'static str> {
    let v = raw.trim();
    TIMEZONES.binary_search(&v).ok().map(|i| TIMEZONES[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_unique_and_contains_the_default() {
        assert!(TIMEZONES.windows(2).all(|w| w[0] < w[1]), "keep TIMEZONES sorted and unique");
        assert_eq!(parse(DEFAULT_TIMEZONE), Some("UTC"));
        assert_eq!(parse(" Europe/Berlin "), Some("Europe/Berlin"));
        assert_eq!(parse("europe/berlin"), None);
        assert_eq!(parse("Mars/Olympus_Mons"), None);
        assert_eq!(parse(""), None);
    }
}
