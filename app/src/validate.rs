//! Input rules shared by several areas (pure, both builds).

/// A human-readable name (a person, a managed tenant): trimmed, 1–120 characters, no control characters.
/// `Err` carries the stable field code.
pub fn parse_name(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    match v.chars().count() {
        0 => Err("required"),
        n if n > 120 => Err("too_long"),
        _ if v.chars().any(char::is_control) => Err("invalid"),
        _ => Ok(v.to_string()),
    }
}

/// `None` for an absent or blank form value; otherwise the trimmed value.
pub fn blank_none(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// An optional id from a form value: blank → `None`, otherwise a positive integer (`field: invalid`).
pub fn optional_id(field: &str, v: Option<String>) -> Result<Option<i64>, crate::error::AppError> {
    match blank_none(v) {
        None => Ok(None),
        Some(s) => match s.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Some(id)),
            _ => Err(crate::error::AppError::validation(field, "invalid")),
        },
    }
}

/// A checkbox or flag form value: `1`, `true`, `on` are true.
pub fn form_flag(v: Option<String>) -> bool {
    matches!(blank_none(v).as_deref(), Some("1" | "true" | "on"))
}

#[cfg(test)]
mod tests {
    use super::parse_name;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("  Contoso "), Ok("Contoso".into()));
        assert_eq!(parse_name(" "), Err("required"));
        assert_eq!(parse_name(&"x".repeat(121)), Err("too_long"));
        assert_eq!(parse_name("a\u{7}b"), Err("invalid"));
    }
}
