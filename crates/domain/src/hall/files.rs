//! What an uploaded material is, decided by its bytes and never by its name: PDF, JPEG, PNG or
//! OFD (the national layout format, a ZIP package whose root holds `OFD.xml`). An `.exe`
//! renamed `.pdf` is refused whatever it is called.

use crate::code_enum;

code_enum! {
    /// The kinds of file an applicant may upload.
    pub enum FileKind {
        Pdf = "pdf", "PDF 文档";
        Jpeg = "jpeg", "JPEG 图片";
        Png = "png", "PNG 图片";
        Ofd = "ofd", "OFD 版式文档";
    }
}

impl FileKind {
    /// The content type the file is served with.
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Ofd => "application/ofd",
        }
    }
    /// Whether a browser shows it inline (an image tag or its PDF viewer).
    pub fn viewable(self) -> bool {
        !matches!(self, FileKind::Ofd)
    }
    pub fn is_image(self) -> bool {
        matches!(self, FileKind::Jpeg | FileKind::Png)
    }
}

/// The accepted kinds as people read them, for error messages.
pub const ACCEPTED: &str = "PDF、JPG、PNG、OFD";

/// The kind of file these bytes are, or None when they are none of the accepted kinds.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if bytes.starts_with(b"PK\x03\x04") && zip_has_root_entry(bytes, b"OFD.xml") {
        Some(FileKind::Ofd)
    } else {
        None
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]) as usize)
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
}

/// Whether a ZIP archive's central directory names `name` at its root. Reads the end record
/// (within the last 64 KiB + 22 bytes, as the format allows a comment), then walks the
/// directory's entries with every offset bounds-checked: a truncated or forged archive is
/// simply not OFD.
fn zip_has_root_entry(b: &[u8], name: &[u8]) -> bool {
    const END: &[u8] = b"PK\x05\x06";
    const ENTRY: &[u8] = b"PK\x01\x02";
    let floor = b.len().saturating_sub(22 + 65_535);
    let Some(end) = (floor..b.len().saturating_sub(21))
        .rev()
        .find(|&i| b[i..].starts_with(END))
    else {
        return false;
    };
    let (Some(entries), Some(mut at)) = (u16_at(b, end + 10), u32_at(b, end + 16)) else {
        return false;
    };
    for _ in 0..entries {
        if !b.get(at..).is_some_and(|s| s.starts_with(ENTRY)) {
            return false;
        }
        let (Some(n), Some(x), Some(c)) =
            (u16_at(b, at + 28), u16_at(b, at + 30), u16_at(b, at + 32))
        else {
            return false;
        };
        if b.get(at + 46..at + 46 + n) == Some(name) {
            return true;
        }
        at += 46 + n + x + c;
    }
    false
}

#[cfg(test)]
pub(crate) mod samples {
    /// A minimal ZIP with one stored entry, as an OFD package (or any archive) would be.
    pub fn zip_with(name: &str, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let n = name.len() as u16;
        let size = body.len() as u32;
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&0u32.to_le_bytes()); // crc (not checked by the sniffer)
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(body);
        let cd = out.len() as u32;
        out.extend_from_slice(b"PK\x01\x02");
        out.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&[0; 12]);
        out.extend_from_slice(&0u32.to_le_bytes()); // local header offset
        out.extend_from_slice(name.as_bytes());
        let cd_size = out.len() as u32 - cd;
        out.extend_from_slice(b"PK\x05\x06");
        out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
        out.extend_from_slice(&cd_size.to_le_bytes());
        out.extend_from_slice(&cd.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::samples::zip_with;
    use super::*;

    #[test]
    fn kinds_come_from_the_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3"), Some(FileKind::Pdf));
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]),
            Some(FileKind::Jpeg)
        );
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(FileKind::Png));
        assert_eq!(
            sniff(&zip_with("OFD.xml", b"<ofd:OFD/>")),
            Some(FileKind::Ofd)
        );
        // A Word document is a ZIP too, but not an OFD package.
        assert_eq!(sniff(&zip_with("word/document.xml", b"<w/>")), None);
        assert_eq!(sniff(&zip_with("Doc_0/OFD.xml", b"<x/>")), None);
        // A Windows program renamed 申请书.pdf.
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"PK\x03\x04"), None);
        // A forged end record pointing outside the file.
        let mut forged = zip_with("OFD.xml", b"x");
        let len = forged.len();
        forged[len - 6..len - 2].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(sniff(&forged), None);
    }
}
