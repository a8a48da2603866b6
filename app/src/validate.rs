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
