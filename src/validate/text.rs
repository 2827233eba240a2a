//! What people type: product names, slugs, descriptions, emails and image
//! text. Every type trims, strips invisible direction-changing characters and
//! bounds its length; `parse` returns the clean value or a sentence to show.

const MAX_NAME_CHARS: usize = 120;
const MAX_SLUG_CHARS: usize = 80;
const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_DESCRIPTION_CHARS: usize = 5000;
pub const MAX_ALT_CHARS: usize = 1000;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;

/// Characters that change how text around them displays without showing
/// themselves: bidirectional embeddings, overrides and isolates (which can make
/// `photo\u{202E}gpj.exe` read as `photoexe.jpg`), marks, and the BOM. Stripped
/// from every user text.
pub fn is_hidden_format_char(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{FEFF}')
}

/// Trims, drops control characters (newlines kept where `multiline`) and
/// hidden format characters, and bounds the length in characters.
fn clean(raw: &str, max: usize, multiline: bool, what: &str) -> Result<String, String> {
    let text: String = raw
        .trim()
        .chars()
        .filter(|c| (!c.is_control() || (multiline && *c == '\n')) && !is_hidden_format_char(*c))
        .collect();
    if text.chars().count() > max {
        return Err(format!("{what} is longer than {max} characters"));
    }
    Ok(text.trim().to_string())
}

/// A product's display name: trimmed, 1 to 120 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductName(String);

impl ProductName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name: String = raw.chars().filter(|c| !is_hidden_format_char(*c)).collect();
        let name = name.trim();
        if name.is_empty() {
            return Err("the name is empty".into());
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(format!("the name is longer than {MAX_NAME_CHARS} characters"));
        }
        if name.chars().any(char::is_control) {
            return Err("the name contains control characters".into());
        }
        Ok(Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL slug this name suggests: lower-case ASCII words joined by dashes.
    pub fn slug(&self) -> Slug {
        let mut slug = String::new();
        for c in self.0.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let slug: String = slug.trim_end_matches('-').chars().take(MAX_SLUG_CHARS).collect();
        let slug = slug.trim_end_matches('-').to_string();
        Slug(if slug.is_empty() { "product".to_string() } else { slug })
    }
}

/// A product's address under `/p/`: lower-case letters, digits and single dashes, 1 to 80 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim().to_lowercase();
        let ok = !s.is_empty()
            && s.len() <= MAX_SLUG_CHARS
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if ok {
            Ok(Self(s))
        } else {
            Err("slugs use a-z, 0-9 and single dashes".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A product's description: up to 5,000 characters, paragraphs kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub fn parse(raw: &str) -> Result<Self, String> {
        clean(raw, MAX_DESCRIPTION_CHARS, true, "the description").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A normalised email address (trimmed, lower-case, one `@`, at most 254 characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim().to_lowercase();
        let mut parts = email.split('@');
        let ok = email.len() <= MAX_EMAIL_CHARS
            && email.split('@').count() == 2
            && parts.all(|p| !p.is_empty())
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Self(email))
        } else {
            Err("enter a valid email address".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An image's alt text, title, description and tags, cleaned together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageText {
    pub alt_text: String,
    pub title: String,
    pub description: String,
    /// Distinct, non-empty, without commas (they are stored comma-separated).
    pub tags: Vec<String>,
}

impl ImageText {
    pub fn parse(alt_text: &str, title: &str, description: &str, tags: &[String]) -> Result<Self, String> {
        if tags.len() > MAX_TAGS {
            return Err(format!("at most {MAX_TAGS} tags"));
        }
        let mut clean_tags = Vec::new();
        for tag in tags {
            let tag = clean(&tag.replace(',', " "), MAX_TAG_CHARS, false, "a tag")?;
            if !tag.is_empty() && !clean_tags.contains(&tag) {
                clean_tags.push(tag);
            }
        }
        Ok(Self {
            alt_text: clean(alt_text, MAX_ALT_CHARS, false, "the alt text")?,
            title: clean(title, MAX_TITLE_CHARS, false, "the title")?,
            description: clean(description, MAX_DESCRIPTION_CHARS, true, "the description")?,
            tags: clean_tags,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_cleaned_and_bounded() {
        assert_eq!(clean("  <b>hi</b>\u{7}  ", 100, false, "x").unwrap(), "<b>hi</b>");
        assert_eq!(clean("a\nb", 100, true, "x").unwrap(), "a\nb");
        assert_eq!(clean("a\nb", 100, false, "x").unwrap(), "ab");
        let long = clean(&"é".repeat(11), 10, false, "the alt text").unwrap_err();
        assert!(long.contains("alt text"), "{long}");
        assert_eq!(clean("日本語 ✓", 5, false, "x").unwrap(), "日本語 ✓");
    }

    #[test]
    fn product_names_are_trimmed_and_bounded() {
        assert_eq!(ProductName::parse("  Red chair ").unwrap().as_str(), "Red chair");
        assert!(ProductName::parse("   ").is_err());
        assert!(ProductName::parse(&"x".repeat(121)).is_err());
        assert!(ProductName::parse("a\u{0007}b").is_err());
        assert_eq!(ProductName::parse("Chair\u{202D} \u{2067}").unwrap().as_str(), "Chair");
    }

    #[test]
    fn suggested_slugs_are_ascii_words() {
        let slug = |s: &str| ProductName::parse(s).unwrap().slug().as_str().to_string();
        assert_eq!(slug("Red Chair — Oak, 2024!"), "red-chair-oak-2024");
        assert_eq!(slug("Ünïcödé"), "n-c-d");
        assert_eq!(slug("日本"), "product");
        assert!(slug(&"word ".repeat(20)).len() <= MAX_SLUG_CHARS);
        assert!(!slug(&"word ".repeat(20)).ends_with('-'));
    }

    #[test]
    fn typed_slugs_are_checked() {
        assert_eq!(Slug::parse(" Red-Chair ").unwrap().as_str(), "red-chair");
        for bad in ["", "-a", "a-", "a--b", "a b", "ä", &"a".repeat(81)] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            Email::parse(" Admin@Example.TEST ").unwrap().as_str(),
            "admin@example.test"
        );
        for bad in ["", "a", "a@", "@b", "a@b@c", "a b@c", &format!("{}@b", "a".repeat(260))] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn image_text_cleans_every_field_and_dedupes_tags() {
        let tags = vec!["oak, wood".to_string(), "oak  wood".into(), " ".into(), "red".into()];
        let t = ImageText::parse(" alt ", "t\u{202E}", "a\nb", &tags).unwrap();
        assert_eq!(
            (t.alt_text.as_str(), t.title.as_str(), t.description.as_str()),
            ("alt", "t", "a\nb")
        );
        assert_eq!(t.tags, ["oak  wood", "red"]);
        assert!(ImageText::parse("", "", "", &vec!["x".to_string(); 21]).is_err());
        assert!(ImageText::parse(&"a".repeat(1001), "", "", &[]).is_err());
    }

    #[test]
    fn hidden_format_characters_are_recognised() {
        assert!(is_hidden_format_char('\u{202E}') && is_hidden_format_char('\u{FEFF}'));
        assert!(
            !is_hidden_format_char('é') && !is_hidden_format_char('\u{200D}'),
            "joiners build emoji"
        );
    }
}
