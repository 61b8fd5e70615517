//! Repository `index.yaml`: streaming extraction of one chart's entries (event-level YAML,
//! never the whole parsed index), Helm's version selection (`IndexFile.Get`) and Helm's
//! chart URL resolution (`ResolveReferenceURL`).

use std::io::BufRead;

use helm_render::funcs::semver::{Constraints, Version};
use saphyr_parser::{Event, Parser};

use super::SourceError;

/// Deepest YAML nesting accepted in an index (bounds the skip counter, not recursion).
const MAX_DEPTH: usize = 256;

/// The fields of one `entries.<name>[]` item that resolving needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexEntry {
    /// `version`.
    pub version: String,
    /// `urls` (the first is used).
    pub urls: Vec<String>,
    /// `digest` (sha256 hex of the `.tgz`), empty when absent.
    pub digest: String,
}

/// A `char` iterator over UTF-8 bytes from a reader that remembers the first error.
struct Utf8Chars<R> {
    r: R,
    err: Option<String>,
}

impl<R: BufRead> Utf8Chars<R> {
    fn byte(&mut self) -> Option<u8> {
        let b = match self.r.fill_buf() {
            Ok([]) => return None,
            Ok(buf) => buf.first().copied(),
            Err(e) => {
                self.err = Some(e.to_string());
                return None;
            }
        };
        self.r.consume(1);
        b
    }
}

impl<R: BufRead> Iterator for Utf8Chars<R> {
    type Item = char;
    fn next(&mut self) -> Option<char> {
        if self.err.is_some() {
            return None;
        }
        let b0 = self.byte()?;
        let (len, init) = match b0 {
            0x00..=0x7f => return Some(char::from(b0)),
            0xc0..=0xdf => (1, u32::from(b0 & 0x1f)),
            0xe0..=0xef => (2, u32::from(b0 & 0x0f)),
            0xf0..=0xf7 => (3, u32::from(b0 & 0x07)),
            _ => {
                self.err = Some("index is not valid UTF-8".into());
                return None;
            }
        };
        let mut cp = init;
        for _ in 0..len {
            match self.byte() {
                Some(b) if b & 0xc0 == 0x80 => cp = (cp << 6) | u32::from(b & 0x3f),
                _ => {
                    self.err = Some("index is not valid UTF-8".into());
                    return None;
                }
            }
        }
        match char::from_u32(cp) {
            Some(c) => Some(c),
            None => {
                self.err = Some("index is not valid UTF-8".into());
                None
            }
        }
    }
}

/// Where the event walker is.
enum State {
    /// Waiting for the top-level mapping.
    Top,
    /// In the top-level mapping, expecting a key.
    TopKey,
    /// In `entries`, expecting a chart name.
    EntriesKey,
    /// In the wanted chart's sequence, expecting an entry mapping.
    WantedSeq,
    /// In one wanted entry, expecting a key.
    EntryKey,
    /// In `urls` of a wanted entry.
    Urls,
    /// Done with `entries`; nothing more to read.
    Done,
}

/// Reads `index.yaml` from `r` and returns the entries of chart `name`, or `None` when the
/// index has no such chart. Memory is bounded by the wanted entries, not the index.
pub fn read_chart_entries<R: BufRead>(
    r: R,
    name: &str,
    url: &str,
) -> Result<Option<Vec<IndexEntry>>, SourceError> {
    let invalid = |m: String| SourceError::InvalidIndex {
        url: url.to_string(),
        message: m,
    };
    let mut chars = Utf8Chars { r, err: None };
    let mut out: Option<Vec<IndexEntry>> = None;
    let mut cur = IndexEntry::default();
    let mut state = State::Top;
    // When > 0, events are skipped until the value being skipped closes.
    let mut skip = 0usize;
    let mut skip_started = false;
    // Key awaiting its value inside a wanted entry.
    let mut entry_key: Option<String> = None;
    {
        let mut parser = Parser::new_from_iter(&mut chars);
        loop {
            let ev = match parser.next_event() {
                None => break,
                Some(Ok((ev, _))) => ev,
                Some(Err(e)) => return Err(invalid(e.to_string())),
            };
            if skip_started {
                match ev {
                    Event::MappingStart(..) | Event::SequenceStart(..) => {
                        skip += 1;
                        if skip > MAX_DEPTH {
                            return Err(invalid("nesting too deep".into()));
                        }
                    }
                    Event::MappingEnd | Event::SequenceEnd => skip -= 1,
                    _ => {}
                }
                if skip == 0 {
                    skip_started = false;
                }
                continue;
            }
            // Starts skipping the value that begins with `ev` (a no-op for scalars).
            let mut skip_value = |ev: &Event| {
                if matches!(ev, Event::MappingStart(..) | Event::SequenceStart(..)) {
                    skip = 1;
                    skip_started = true;
                }
            };
            match state {
                State::Done => {}
                State::Top => match ev {
                    Event::MappingStart(..) => state = State::TopKey,
                    Event::StreamStart | Event::DocumentStart(_) => {}
                    Event::StreamEnd | Event::DocumentEnd => break,
                    _ => return Err(invalid("top level is not a mapping".into())),
                },
                State::TopKey => match ev {
                    Event::Scalar(ref k, ..) if k == "entries" => match parser.next_event() {
                        Some(Ok((Event::MappingStart(..), _))) => state = State::EntriesKey,
                        Some(Ok((Event::Scalar(..), _))) => {}
                        Some(Ok(_)) => return Err(invalid("entries is not a mapping".into())),
                        Some(Err(e)) => return Err(invalid(e.to_string())),
                        None => break,
                    },
                    Event::Scalar(..) => {
                        // Another top-level key: skip its value.
                        match parser.next_event() {
                            Some(Ok((v, _))) => skip_value(&v),
                            Some(Err(e)) => return Err(invalid(e.to_string())),
                            None => break,
                        }
                    }
                    Event::MappingEnd => state = State::Done,
                    _ => return Err(invalid("unexpected non-scalar key".into())),
                },
                State::EntriesKey => match ev {
                    Event::Scalar(ref k, ..) => {
                        let wanted = k == name;
                        match parser.next_event() {
                            Some(Ok((Event::SequenceStart(..), _))) if wanted => {
                                out.get_or_insert_with(Vec::new);
                                state = State::WantedSeq;
                            }
                            Some(Ok((v, _))) => skip_value(&v),
                            Some(Err(e)) => return Err(invalid(e.to_string())),
                            None => break,
                        }
                    }
                    Event::MappingEnd => state = State::Done,
                    _ => return Err(invalid("unexpected non-scalar chart name".into())),
                },
                State::WantedSeq => match ev {
                    Event::MappingStart(..) => {
                        cur = IndexEntry::default();
                        state = State::EntryKey;
                    }
                    Event::SequenceEnd => state = State::EntriesKey,
                    other => skip_value(&other),
                },
                State::EntryKey => match (ev, entry_key.take()) {
                    (Event::MappingEnd, None) => {
                        out.get_or_insert_with(Vec::new)
                            .push(std::mem::take(&mut cur));
                        state = State::WantedSeq;
                    }
                    (Event::Scalar(k, ..), None) => entry_key = Some(k.into_owned()),
                    (Event::Scalar(v, ..), Some(k)) => match k.as_str() {
                        "version" => cur.version = v.into_owned(),
                        "digest" => cur.digest = v.into_owned(),
                        _ => {}
                    },
                    (Event::SequenceStart(..), Some(k)) if k == "urls" => state = State::Urls,
                    (other, _) => skip_value(&other),
                },
                State::Urls => match ev {
                    Event::Scalar(u, ..) => cur.urls.push(u.into_owned()),
                    Event::SequenceEnd => state = State::EntryKey,
                    other => skip_value(&other),
                },
            }
            if matches!(state, State::Done) {
                break;
            }
        }
    }
    if let Some(e) = chars.err {
        return Err(invalid(e));
    }
    Ok(out)
}

/// Helm's `IndexFile.Get` over one chart's entries: an exact string match first, then the
/// highest version satisfying the constraint (`""` means `*`; pre-releases only when the
/// constraint names one).
pub fn select<'a>(
    entries: &'a [IndexEntry],
    name: &str,
    version: &str,
    repo: &str,
) -> Result<&'a IndexEntry, SourceError> {
    let not_found = || SourceError::VersionNotFound {
        name: name.to_string(),
        version: version.to_string(),
        repo: repo.to_string(),
    };
    if !version.is_empty() {
        if let Some(e) = entries.iter().find(|e| e.version == version) {
            return Ok(e);
        }
    }
    let constraint =
        Constraints::parse(if version.is_empty() { "*" } else { version }).map_err(|m| {
            SourceError::InvalidConstraint {
                name: name.to_string(),
                version: version.to_string(),
                message: m,
            }
        })?;
    let mut best: Option<(Version, &IndexEntry)> = None;
    for e in entries {
        let Ok(v) = Version::parse(&e.version) else {
            continue;
        };
        if !constraint.check(&v) {
            continue;
        }
        // Helm sorts newest first and takes the first match; ties keep index order.
        if best.as_ref().is_none_or(|(b, _)| v.compare(b) > 0) {
            best = Some((v, e));
        }
    }
    best.map(|(_, e)| e).ok_or_else(not_found)
}

/// `<repo>/index.yaml` as Helm builds it (path joined, query kept).
pub fn index_url(repo: &str) -> Result<reqwest::Url, SourceError> {
    let mut u = reqwest::Url::parse(repo).map_err(|e| SourceError::InvalidUrl {
        url: super::redact_url(repo),
        message: e.to_string(),
    })?;
    let path = format!("{}/index.yaml", u.path().trim_end_matches('/'));
    u.set_path(&path);
    Ok(u)
}

/// Helm's `ResolveReferenceURL`: absolute chart URLs are used as is; relative ones are
/// resolved against the repository URL with a trailing slash, and carry the repository's
/// query string.
pub fn resolve_chart_url(repo: &str, chart_url: &str) -> Result<reqwest::Url, SourceError> {
    let bad = |u: &str, e: String| SourceError::InvalidUrl {
        url: super::redact_url(u),
        message: e,
    };
    if let Ok(abs) = reqwest::Url::parse(chart_url) {
        return Ok(abs);
    }
    let mut base = reqwest::Url::parse(repo).map_err(|e| bad(repo, e.to_string()))?;
    let path = format!("{}/", base.path().trim_end_matches('/'));
    base.set_path(&path);
    let query = base.query().map(str::to_string);
    let mut out = base
        .join(chart_url)
        .map_err(|e| bad(chart_url, e.to_string()))?;
    out.set_query(query.as_deref());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"apiVersion: v1
entries:
  other:
  - version: 9.9.9
    urls: [other-9.9.9.tgz]
    maintainers:
    - name: x
      email: y
  app:
  - apiVersion: v2
    name: app
    version: 1.2.3
    digest: abc
    urls:
    - charts/app-1.2.3.tgz
    - https://mirror/app-1.2.3.tgz
    annotations: {a: b}
  - version: 1.3.0-rc.1
    urls: [app-1.3.0-rc.1.tgz]
  - version: 1.2.10
    urls: [app-1.2.10.tgz]
  - version: not-semver
    urls: [x.tgz]
generated: "2024-01-01T00:00:00Z"
"#;

    fn entries() -> Vec<IndexEntry> {
        read_chart_entries(INDEX.as_bytes(), "app", "u")
            .unwrap()
            .unwrap()
    }

    #[test]
    fn extracts_only_wanted_chart() {
        let e = entries();
        assert_eq!(e.len(), 4);
        assert_eq!(e[0].version, "1.2.3");
        assert_eq!(e[0].digest, "abc");
        assert_eq!(
            e[0].urls,
            vec!["charts/app-1.2.3.tgz", "https://mirror/app-1.2.3.tgz"]
        );
        assert!(read_chart_entries(INDEX.as_bytes(), "nope", "u")
            .unwrap()
            .is_none());
    }

    #[test]
    fn selects_like_helm() {
        let e = entries();
        let v = |c: &str| select(&e, "app", c, "r").map(|x| x.version.clone());
        assert_eq!(v("1.2.3").unwrap(), "1.2.3");
        assert_eq!(v("~1.2").unwrap(), "1.2.10");
        assert_eq!(v("").unwrap(), "1.2.10");
        assert_eq!(v(">=1.3.0-0").unwrap(), "1.3.0-rc.1");
        assert_eq!(v("not-semver").unwrap(), "not-semver");
        assert_eq!(v("2.x").unwrap_err().reason(), "ChartVersionNotFound");
        assert_eq!(v("!!").unwrap_err().reason(), "InvalidVersionConstraint");
    }

    #[test]
    fn rejects_bad_input_without_panicking() {
        for bad in [
            "[1,2",
            "entries: [",
            "\u{0}\u{1}: {",
            "- a\n- b",
            "entries:\n  app: {",
        ] {
            let r = read_chart_entries(bad.as_bytes(), "app", "u");
            assert!(r.is_err() || matches!(r, Ok(None) | Ok(Some(_))), "{bad}");
        }
        let r = read_chart_entries(&[0xffu8, 0xfe][..], "app", "u");
        assert_eq!(r.unwrap_err().reason(), "InvalidIndex");
        let deep = format!(
            "entries:\n  app:\n  - version: 1\n    x: {}{}",
            "[".repeat(400),
            "]".repeat(400)
        );
        assert!(read_chart_entries(deep.as_bytes(), "app", "u").is_err());
    }

    #[test]
    fn urls_resolve_like_helm() {
        assert_eq!(
            index_url("https://h/charts?tok=1").unwrap().as_str(),
            "https://h/charts/index.yaml?tok=1"
        );
        assert_eq!(
            resolve_chart_url("https://h/charts?tok=1", "a/app-1.tgz")
                .unwrap()
                .as_str(),
            "https://h/charts/a/app-1.tgz?tok=1"
        );
        assert_eq!(
            resolve_chart_url("https://h/charts/", "https://o/x.tgz?z=2")
                .unwrap()
                .as_str(),
            "https://o/x.tgz?z=2"
        );
        assert_eq!(
            resolve_chart_url("s3://bucket/prefix", "app-1.tgz")
                .unwrap()
                .as_str(),
            "s3://bucket/prefix/app-1.tgz"
        );
    }
}
