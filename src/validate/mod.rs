//! Validation newtypes shared by the browser (instant feedback) and the server
//! (the check that counts). Each `parse` either returns a value that is valid
//! by construction or a sentence a person can act on. This module checks
//! files; `text` checks what people type (names, slugs, emails, image text).

mod parts;
mod text;

pub use parts::{MAX_PARTS_PER_SIGN, MULTIPART_THRESHOLD, PART_SIZE};
pub use text::{Description, Email, ImageText, ProductName, Slug, is_hidden_format_char};

use crate::model::{FailureKind, FileSpec, UploadLimits};

/// Bytes as lowercase hex, two digits each: digests, signatures and secrets.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Default upload limits (spec sections 4 and 6).
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
pub const MAX_FILES_PER_BATCH: usize = 200;
pub const PARALLEL_UPLOADS: usize = 4;
const MAX_FILENAME_CHARS: usize = 255;

/// An image type Vitrine accepts, known by its MIME type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageType {
    Jpeg,
    Png,
    Webp,
    Gif,
    Avif,
}

impl ImageType {
    pub const ALL: [ImageType; 5] = [Self::Jpeg, Self::Png, Self::Webp, Self::Gif, Self::Avif];

    pub fn parse(mime: &str) -> Result<Self, String> {
        let m = mime.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|t| t.mime() == m || (m == "image/jpg" && *t == Self::Jpeg))
            .ok_or_else(|| {
                if m.is_empty() {
                    "unknown file type; use JPEG, PNG, WebP, GIF or AVIF".to_string()
                } else {
                    format!("{m} is not supported; use JPEG, PNG, WebP, GIF or AVIF")
                }
            })
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
            Self::Avif => "image/avif",
        }
    }

    /// File extension used in storage keys; never taken from the user's filename.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Gif => "gif",
            Self::Avif => "avif",
        }
    }

    /// The real type of a file, from its first bytes (magic numbers).
    pub fn sniff(head: &[u8]) -> Option<Self> {
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
            Some(Self::Gif)
        } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else if head.len() >= 12 && &head[4..8] == b"ftyp" && (&head[8..12] == b"avif" || &head[8..12] == b"avis") {
            Some(Self::Avif)
        } else {
            None
        }
    }
}

/// The name a file had on the user's machine: display metadata only, never a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginalFilename(String);

impl OriginalFilename {
    /// Keeps the last path segment, drops control characters and caps the length.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let clean: String = base
            .chars()
            .filter(|c| !c.is_control() && !is_hidden_format_char(*c))
            .take(MAX_FILENAME_CHARS)
            .collect();
        let clean = clean.trim();
        if clean.is_empty() || clean == "." || clean == ".." {
            return Err("the file has no usable name".into());
        }
        Ok(Self(clean.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A file the batch may upload: its name, exact size and declared type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptedFile {
    pub filename: OriginalFilename,
    pub size: u64,
    pub image_type: ImageType,
    pub sha256: Option<Sha256Hex>,
}

/// A SHA-256 digest as 64 lower-case hex digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sha256Hex(String);

impl Sha256Hex {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let hex = raw.trim().to_ascii_lowercase();
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(hex))
        } else {
            Err("the SHA-256 is not 64 hex digits".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hex form of a computed digest (its 32 bytes).
    pub fn from_digest(digest: [u8; 32]) -> Self {
        Self(hex(&digest))
    }

    /// The 32 bytes (S3 wants them base64-encoded in `x-amz-checksum-sha256`).
    pub fn bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, pair) in self.0.as_bytes().chunks(2).enumerate() {
            let digit = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            out[i] = digit(pair[0]) << 4 | digit(pair[1]);
        }
        out
    }
}

/// Checks one declared file against the limits; the error carries its kind.
pub fn check_file(spec: &FileSpec, limits: &UploadLimits) -> Result<AcceptedFile, (FailureKind, String)> {
    let filename = OriginalFilename::parse(&spec.name).map_err(|e| (FailureKind::Validation, e))?;
    let image_type = ImageType::parse(&spec.content_type).map_err(|e| (FailureKind::UnsupportedType, e))?;
    if spec.size == 0 {
        return Err((FailureKind::Validation, "the file is empty".into()));
    }
    if spec.size > limits.max_file_bytes {
        return Err((
            FailureKind::TooLarge,
            format!(
                "the file is {}; the limit is {}",
                human_bytes(spec.size),
                human_bytes(limits.max_file_bytes)
            ),
        ));
    }
    let sha256 = spec
        .sha256
        .as_deref()
        .map(Sha256Hex::parse)
        .transpose()
        .map_err(|e| (FailureKind::Validation, e))?;
    Ok(AcceptedFile {
        filename,
        size: spec.size,
        image_type,
        sha256,
    })
}

/// Default limits, as the server announces them to the browser.
pub fn default_limits() -> UploadLimits {
    UploadLimits {
        max_file_bytes: MAX_FILE_BYTES,
        max_files_per_batch: MAX_FILES_PER_BATCH,
        parallel_uploads: PARALLEL_UPLOADS,
    }
}

/// "1.5 MB" style sizes for people (decimal units, as file browsers show).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_writes_two_lowercase_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
    }

    fn spec(name: &str, size: u64, ct: &str) -> FileSpec {
        FileSpec {
            name: name.into(),
            size,
            content_type: ct.into(),
            sha256: None,
            skip_if_present: false,
            in_parts: false,
        }
    }

    #[test]
    fn image_types_are_known_by_mime_and_magic() {
        assert_eq!(ImageType::parse("IMAGE/JPEG"), Ok(ImageType::Jpeg));
        assert_eq!(ImageType::parse("image/jpg"), Ok(ImageType::Jpeg));
        assert!(ImageType::parse("text/plain").unwrap_err().contains("not supported"));
        assert!(ImageType::parse("").is_err());
        assert_eq!(ImageType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(ImageType::Jpeg));
        assert_eq!(ImageType::sniff(b"\x89PNG\r\n\x1a\n...."), Some(ImageType::Png));
        assert_eq!(ImageType::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(ImageType::Webp));
        assert_eq!(ImageType::sniff(b"\0\0\0\x1cftypavif"), Some(ImageType::Avif));
        assert_eq!(ImageType::sniff(b"GIF89a"), Some(ImageType::Gif));
        assert_eq!(ImageType::sniff(b"hello, I am text"), None);
        assert_eq!(ImageType::sniff(b""), None);
    }

    #[test]
    fn sha256_digests_are_64_hex_digits() {
        let d = Sha256Hex::parse("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855").unwrap();
        assert_eq!(
            d.as_str(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(d.bytes()[0], 0xe3);
        assert_eq!(d.bytes()[31], 0x55);
        assert_eq!(Sha256Hex::from_digest(d.bytes()), d);
        assert!(Sha256Hex::parse("abc").is_err());
        assert!(Sha256Hex::parse(&"g".repeat(64)).is_err());
    }

    #[test]
    fn bidi_overrides_and_marks_are_stripped() {
        let name = OriginalFilename::parse("photo\u{202E}gpj.exe").unwrap();
        assert_eq!(name.as_str(), "photogpj.exe");
        let isolate = OriginalFilename::parse("\u{2066}a\u{2069}\u{200F}.png\u{FEFF}").unwrap();
        assert_eq!(isolate.as_str(), "a.png");
    }

    #[test]
    fn hostile_filenames_become_plain_names() {
        let p = |s: &str| OriginalFilename::parse(s).map(|f| f.as_str().to_string());
        assert_eq!(p("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(p("C:\\Users\\me\\cat.jpg").unwrap(), "cat.jpg");
        assert_eq!(p("a\nb\r.jpg").unwrap(), "ab.jpg");
        assert_eq!(p("<script>.png").unwrap(), "<script>.png");
        assert!(p("..").is_err());
        assert!(p("dir/").is_err());
        assert_eq!(p(&"x".repeat(1000)).unwrap().len(), MAX_FILENAME_CHARS);
    }

    #[test]
    fn files_are_checked_against_limits() {
        let limits = default_limits();
        assert!(check_file(&spec("a.jpg", 10, "image/jpeg"), &limits).is_ok());
        assert_eq!(
            check_file(&spec("a.txt", 10, "text/plain"), &limits).unwrap_err().0,
            FailureKind::UnsupportedType
        );
        assert_eq!(
            check_file(&spec("a.jpg", 0, "image/jpeg"), &limits).unwrap_err().0,
            FailureKind::Validation
        );
        let big = check_file(&spec("a.jpg", MAX_FILE_BYTES + 1, "image/jpeg"), &limits).unwrap_err();
        assert_eq!(big.0, FailureKind::TooLarge);
        assert!(big.1.contains("limit"), "{}", big.1);
    }

    #[test]
    fn sizes_read_like_a_file_browser() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
    }
}
