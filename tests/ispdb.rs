//! The whole Thunderbird ISP database (`../shared/corpus/ispdb`, 163 real autoconfig files) holds
//! exactly these problems: a POP3 server on the IMAPS port (arubapec.it), an IMAP server on the
//! submission port (pdx.edu), implicit TLS on 587 (charter.net), 70 servers without TLS, and 9
//! authenticated SMTP servers on port 25 (a port-25 fallback listed after 465/587 is not one).
//! Nothing else may be reported as a warning or an error. Skipped where the corpus is absent.

use std::collections::BTreeMap;
use std::path::Path;

use mailport::analysis::analyze_file;

use mailport::config::Config;
use mailport::vocab::Severity;

#[test]
fn ispdb_reports_exactly_its_real_problems() {
    // The checkout sits next to `shared/` (or one level deeper, in a worktree).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(entries) = ["../shared/corpus/ispdb", "../../shared/corpus/ispdb"]
        .iter()
        .find_map(|rel| std::fs::read_dir(root.join(rel)).ok())
    else {
        eprintln!("skipped: shared/corpus/ispdb not found next to the checkout");
        return;
    };
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut read = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if !name.ends_with(".xml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let Some(analysis) = analyze_file(&name, &text, &Config::default()) else {
            panic!("{name} was not recognised as an autoconfig file");
        };
        read += 1;
        for f in analysis.findings {
            if matches!(f.severity, Severity::Error | Severity::Warning) {
                let code = f.code.as_str().to_string();
                *counts.entry(code.clone()).or_default() += 1;
                if code != "MP004" {
                    files.entry(code).or_default().push(name.clone());
                }
            }
        }
    }
    assert_eq!(read, 163);
    for list in files.values_mut() {
        list.sort();
    }
    let counts: Vec<(String, usize)> = counts.into_iter().collect();
    assert_eq!(
        counts,
        vec![
            ("MP002".to_string(), 2),
            ("MP003".to_string(), 1),
            ("MP004".to_string(), 70),
            ("MP006".to_string(), 9),
        ]
    );
    assert_eq!(files["MP002"], ["arubapec.it.xml", "pdx.edu.xml"]);
    assert_eq!(files["MP003"], ["charter.net.xml"]);
    assert_eq!(
        files["MP006"],
        [
            "bb-niigata.jp.xml",
            "go.tvm.ne.jp.xml",
            "inet-shibata.or.jp.xml",
            "iwafune.ne.jp.xml",
            "mail.iwafune.ne.jp.xml",
            "ml.murakami.ne.jp.xml",
            "parabox.or.jp.xml",
            "pop.shibata.ne.jp.xml",
            "tiscali.cz.xml",
        ]
    );
}
