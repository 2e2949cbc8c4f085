//! PDFs read back for tests: the words a page prints (each run of text
//! carries its words as /ActualText), the number of pages, a table's row.

use std::io::Read;

/// The decoded bodies of every stream in the file.
fn streams(pdf: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(pos) = find(&pdf[at..], b"stream") {
        let start = at + pos;
        at = start + 6;
        if start >= 3 && &pdf[start - 3..start] == b"end" {
            continue;
        }
        let mut body = at;
        if pdf.get(body) == Some(&b'\r') {
            body += 1;
        }
        if pdf.get(body) == Some(&b'\n') {
            body += 1;
        }
        let Some(len) = find(&pdf[body..], b"endstream") else {
            break;
        };
        let raw = &pdf[body..body + len];
        let mut inflated = Vec::new();
        if flate2::read::ZlibDecoder::new(raw)
            .read_to_end(&mut inflated)
            .is_ok()
        {
            out.push(inflated);
        } else {
            out.push(raw.to_vec());
        }
        at = body + len + 9;
    }
    out
}

/// Where `needle` first occurs in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A PDF string at the start of `s`: literal `( )` or hex `< >`, UTF-16BE
/// when it starts with a byte order mark.
fn pdf_string(s: &[u8]) -> Option<String> {
    let bytes = match s.first()? {
        b'(' => {
            let mut out = Vec::new();
            let mut depth = 0;
            let mut i = 1;
            while let Some(&c) = s.get(i) {
                match c {
                    b'\\' => {
                        i += 1;
                        let e = *s.get(i)?;
                        out.push(match e {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            other => other,
                        });
                    }
                    b'(' => {
                        depth += 1;
                        out.push(c);
                    }
                    b')' if depth == 0 => break,
                    b')' => {
                        depth -= 1;
                        out.push(c);
                    }
                    _ => out.push(c),
                }
                i += 1;
            }
            out
        }
        b'<' => {
            let end = s.iter().position(|&c| c == b'>')?;
            let hex: Vec<u8> = s[1..end]
                .iter()
                .copied()
                .filter(u8::is_ascii_hexdigit)
                .collect();
            hex.chunks(2)
                .filter_map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
                .collect()
        }
        _ => return None,
    };
    if bytes.starts_with(&[0xfe, 0xff]) {
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|p| u16::from_be_bytes([p[0], *p.get(1).unwrap_or(&0)]))
            .collect();
        return Some(String::from_utf16_lossy(&units));
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Every run of text the PDF prints, in drawing order.
pub fn texts(pdf: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for s in streams(pdf) {
        let mut at = 0;
        while let Some(pos) = find(&s[at..], b"/ActualText") {
            at += pos + 11;
            let rest = &s[at..];
            let skip = rest
                .iter()
                .position(|c| !c.is_ascii_whitespace())
                .unwrap_or(0);
            if let Some(t) = pdf_string(&rest[skip..]) {
                out.push(t);
            }
        }
    }
    out
}

/// The number of page objects.
pub fn pages(pdf: &[u8]) -> usize {
    let mut n = 0;
    let mut at = 0;
    while let Some(pos) = find(&pdf[at..], b"/Type") {
        at += pos + 5;
        let rest = &pdf[at..];
        let skip = rest
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .unwrap_or(0);
        let name = &rest[skip..];
        if name.starts_with(b"/Page") && !name.get(5).is_some_and(u8::is_ascii_alphanumeric) {
            n += 1;
        }
    }
    n
}

/// The cells printed after a row's area name.
pub fn row_after(texts: &[String], area: &str, cells: usize) -> Vec<String> {
    let at = texts
        .iter()
        .position(|t| t == area)
        .unwrap_or_else(|| panic!("{area} not printed: {texts:?}"));
    texts[at + 1..(at + 1 + cells).min(texts.len())].to_vec()
}
