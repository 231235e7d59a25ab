//! Well-known services an application resolves by name and merges over the document's own
//! settings: nodemailer's `service: 'Gmail'` (facts from nodemailer `lib/well-known/services.json`,
//! merged last by `lib/smtp-transport/index.js`, so they replace `host`, `port` and `secure`).

/// One well-known service: what the name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Service {
    /// Names, aliases and mail domains it is found by (normalised: lowercase, letters and digits).
    pub names: &'static [&'static str],
    pub host: &'static str,
    pub port: u16,
    /// `secure` as the service sets it; `None` leaves the document's (or the default) in place.
    pub secure: Option<bool>,
    /// The service sets `requireTLS: true`.
    pub require_tls: bool,
}

const fn service(
    names: &'static [&'static str],
    host: &'static str,
    port: u16,
    secure: Option<bool>,
) -> Service {
    Service {
        names,
        host,
        port,
        secure,
        require_tls: false,
    }
}

/// nodemailer's well-known services with a host (the local testing ones aside).
const NODEMAILER: &[Service] = &[
    service(&["1und1"], "smtp.1und1.de", 465, Some(true)),
    service(&["126"], "smtp.126.com", 465, Some(true)),
    service(&["163"], "smtp.163.com", 465, Some(true)),
    service(&["aliyun", "aliyuncom"], "smtp.aliyun.com", 465, Some(true)),
    service(&["aol", "aolcom"], "smtp.aol.com", 587, None),
    service(
        &["aruba", "arubapec", "arubait", "pecarubait"],
        "smtps.aruba.it",
        465,
        Some(true),
    ),
    service(
        &["disroot", "disrootorg"],
        "smtp.disroot.org",
        587,
        Some(true),
    ),
    service(&["elasticemail"], "smtp.elasticemail.com", 465, Some(true)),
    service(
        &["fastmail", "fastmailfm"],
        "smtp.fastmail.com",
        465,
        Some(true),
    ),
    service(
        &["forwardemail", "fe", "forwardemailnet"],
        "smtp.forwardemail.net",
        465,
        Some(true),
    ),
    service(&["gandimail", "gandi"], "mail.gandi.net", 587, None),
    service(
        &["gmail", "googlemail", "gmailcom", "googlemailcom"],
        "smtp.gmail.com",
        465,
        Some(true),
    ),
    service(
        &["gmx", "gmxcom", "gmxnet", "gmxde"],
        "mail.gmx.com",
        587,
        None,
    ),
    service(&["godaddy"], "smtpout.secureserver.net", 25, None),
    service(
        &["hotmail", "outlook", "outlookcom", "hotmailcom"],
        "smtp-mail.outlook.com",
        587,
        None,
    ),
    service(
        &["icloud", "me", "mac", "mecom", "maccom"],
        "smtp.mail.me.com",
        587,
        None,
    ),
    service(
        &["kolabnow", "kolab", "kolabnowcom"],
        "smtp.kolabnow.com",
        465,
        Some(true),
    ),
    service(&["mailru"], "smtp.mail.ru", 465, Some(true)),
    service(&["mailersend"], "smtp.mailersend.net", 587, None),
    service(&["mailgun"], "smtp.mailgun.org", 465, Some(true)),
    service(&["mailjet"], "in.mailjet.com", 587, None),
    service(&["mailtrap"], "live.smtp.mailtrap.io", 587, None),
    service(&["mandrill"], "smtp.mandrillapp.com", 587, None),
    service(&["naver"], "smtp.naver.com", 587, None),
    service(&["one"], "send.one.com", 465, Some(true)),
    service(&["outlook365"], "smtp.office365.com", 587, Some(false)),
    service(
        &["postmark", "postmarkapp"],
        "smtp.postmarkapp.com",
        2525,
        None,
    ),
    Service {
        names: &[
            "proton",
            "protonmail",
            "protonme",
            "protonmailcom",
            "protonmailch",
            "pmme",
        ],
        host: "smtp.protonmail.ch",
        port: 587,
        secure: None,
        require_tls: true,
    },
    service(&["qq", "qqcom"], "smtp.qq.com", 465, Some(true)),
    service(
        &["qqex", "qqenterprise", "exmailqqcom"],
        "smtp.exmail.qq.com",
        465,
        Some(true),
    ),
    service(&["resend"], "smtp.resend.com", 465, Some(true)),
    service(&["runbox", "runboxcom"], "smtp.runbox.com", 465, Some(true)),
    service(&["sendgrid"], "smtp.sendgrid.net", 587, None),
    service(&["sendinblue", "brevo"], "smtp-relay.brevo.com", 587, None),
    service(&["sendpulse"], "smtp-pulse.com", 465, Some(true)),
    service(
        &["ses", "sesuseast1"],
        "email-smtp.us-east-1.amazonaws.com",
        465,
        Some(true),
    ),
    service(
        &["seznam", "seznamemail", "seznamcz", "emailcz", "postcz"],
        "smtp.seznam.cz",
        465,
        Some(true),
    ),
    service(&["smtp2go"], "mail.smtp2go.com", 2525, None),
    service(
        &["sparkpost", "sparkpostmail", "sparkpostcom"],
        "smtp.sparkpostmail.com",
        587,
        Some(false),
    ),
    service(
        &["tutanota", "tutanotacom", "tutacom", "tutanotade", "tutaio"],
        "smtp.tutanota.com",
        465,
        Some(true),
    ),
    service(
        &["yahoo", "yahoocom"],
        "smtp.mail.yahoo.com",
        465,
        Some(true),
    ),
    service(&["yandex", "yandexru"], "smtp.yandex.ru", 465, Some(true)),
    Service {
        names: &["zimbra", "zimbracollaboration"],
        host: "smtp.zimbra.com",
        port: 587,
        secure: None,
        require_tls: true,
    },
    service(&["zoho"], "smtp.zoho.com", 465, Some(true)),
];

/// The service `name` stands for in the named table (a profile's `services`).
pub fn lookup(table: &str, name: &str) -> Option<&'static Service> {
    match table {
        "nodemailer" => nodemailer(name),
        _ => None,
    }
}

/// The nodemailer service a `service` value names, found as nodemailer finds it (case, spaces
/// and punctuation aside; aliases and mail domains too). An unknown name changes nothing.
pub fn nodemailer(name: &str) -> Option<&'static Service> {
    let key: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if key.is_empty() {
        return None;
    }
    NODEMAILER.iter().find(|s| s.names.contains(&key.as_str()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_aliases_and_domains() {
        let host = |n| super::nodemailer(n).map(|s| s.host);
        assert_eq!(host("Gmail"), Some("smtp.gmail.com"));
        assert_eq!(host("gmail.com"), Some("smtp.gmail.com"));
        assert_eq!(host("SendGrid"), Some("smtp.sendgrid.net"));
        assert_eq!(host("Outlook365"), Some("smtp.office365.com"));
        assert_eq!(host("Hotmail"), Some("smtp-mail.outlook.com"));
        assert_eq!(host("Mail.ru"), Some("smtp.mail.ru"));
        assert_eq!(host("my-company"), None);
        assert_eq!(host(""), None);
    }
}
