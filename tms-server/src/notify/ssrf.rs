//! Server-side request forgery (SECURITY.md, "Webhooks"): a webhook is a URL a SysAdmin
//! chose, which the server then calls from inside its network. Unless the server runs with
//! `--webhook-allow-private`, a delivery goes only to public addresses: the host is resolved
//! when the delivery is made, every address it resolves to is checked, and the connection is
//! made to those checked addresses (no second lookup a changed DNS answer could slip through).
//! A URL naming a non-public address literally (or `localhost`) is refused when the webhook is
//! created.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Why an address is not public, or `None` when it is.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => v6_kind(v6),
    }
}

fn v4_kind(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_broadcast() {
        Some("broadcast")
    } else if a == 100 && (64..128).contains(&b) {
        // Carrier-grade NAT (RFC 6598): the provider's private network.
        Some("shared (carrier-grade NAT)")
    } else if a == 192 && b == 0 && c == 0 {
        Some("reserved (IETF protocol assignments)")
    } else if a == 198 && (b == 18 || b == 19) {
        Some("reserved (benchmarking)")
    } else if (a == 192 && b == 0 && c == 2)
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
    {
        Some("documentation")
    } else if a >= 240 {
        Some("reserved")
    } else {
        None
    }
}

fn v6_kind(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    // IPv4 carried in IPv6 reaches the IPv4 address: judged as that address. Mapped
    // (::ffff:a.b.c.d), compatible (::a.b.c.d, deprecated), NAT64 (64:ff9b::/96) and 6to4
    // (2002:AABB:CCDD::/48).
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_kind(v4);
    }
    if s[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_unspecified() && !ip.is_loopback() {
        return v4_kind(Ipv4Addr::from(((s[6] as u32) << 16) | s[7] as u32));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return v4_kind(Ipv4Addr::from(((s[6] as u32) << 16) | s[7] as u32));
    }
    if s[0] == 0x2002 {
        return v4_kind(Ipv4Addr::from(((s[1] as u32) << 16) | s[2] as u32));
    }
    if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if s[0] & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if s[0] & 0xfe00 == 0xfc00 {
        Some("unique-local")
    } else if s[0] & 0xffc0 == 0xfec0 {
        Some("site-local")
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        Some("documentation")
    } else if s[0] == 0x0100 && s[1..4] == [0, 0, 0] {
        Some("discard-only")
    } else {
        None
    }
}

/// A host that resolved to a non-public address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub host: String,
    pub addr: IpAddr,
    pub kind: &'static str,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host == self.addr.to_string() {
            write!(f, "{} is a {} address", self.addr, self.kind)?;
        } else {
            write!(
                f,
                "{} resolves to {}, a {} address",
                self.host, self.addr, self.kind
            )?;
        }
        f.write_str(
            ": webhooks are sent to public addresses only (the server's --webhook-allow-private lifts this)",
        )
    }
}

impl std::error::Error for Refused {}

/// The first non-public address among `addrs` of `host`.
pub fn check(host: &str, addrs: &[SocketAddr]) -> Result<(), Refused> {
    match addrs
        .iter()
        .find_map(|a| non_public(a.ip()).map(|kind| (a.ip(), kind)))
    {
        Some((addr, kind)) => Err(Refused {
            host: host.to_string(),
            addr,
            kind,
        }),
        None => Ok(()),
    }
}

/// Why the host of a URL is refused before any lookup: a non-public address written as such,
/// or `localhost` (which names the loopback address by definition, RFC 6761).
pub fn literal(host: &url::Host<&str>) -> Option<Refused> {
    let (shown, addr) = match host {
        url::Host::Ipv4(v4) => (v4.to_string(), IpAddr::V4(*v4)),
        url::Host::Ipv6(v6) => (v6.to_string(), IpAddr::V6(*v6)),
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            if d == "localhost" || d.ends_with(".localhost") {
                return Some(Refused {
                    host: d,
                    addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
                    kind: "loopback",
                });
            }
            return None;
        }
    };
    non_public(addr).map(|kind| Refused {
        host: shown,
        addr,
        kind,
    })
}

/// The DNS resolver of webhook deliveries: the system's, refusing a host any of whose
/// addresses is not public.
#[derive(Debug, Default, Clone, Copy)]
pub struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            check(&host, &addrs)?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The [`Refused`] somewhere in an error's chain of causes.
pub fn refused_in<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refused> {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(r) = c.downcast_ref::<Refused>() {
            return Some(r);
        }
        cause = c.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> Option<&'static str> {
        non_public(s.parse().unwrap())
    }

    #[test]
    fn private_and_special_addresses_are_refused() {
        for (ip, want) in [
            ("127.0.0.1", "loopback"),
            ("127.8.9.10", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "broadcast"),
            ("100.64.0.1", "shared (carrier-grade NAT)"),
            ("240.0.0.1", "reserved"),
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("fe80::1", "link-local"),
            ("fc00::1", "unique-local"),
            ("fd12:3456::1", "unique-local"),
            ("ff02::1", "multicast"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
            ("::ffff:169.254.169.254", "link-local"),
            ("::10.0.0.1", "private"),
            ("64:ff9b::7f00:1", "loopback"),
            ("2002:c0a8:0101::1", "private"),
            ("fec0::1", "site-local"),
        ] {
            assert_eq!(kind(ip), Some(want), "{ip}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "93.184.216.34",
            "2606:4700:4700::1111",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert_eq!(kind(ip), None, "{ip}");
        }
    }

    #[test]
    fn literal_hosts_and_localhost_are_refused_before_any_lookup() {
        let refused = |u: &str| {
            let url = url::Url::parse(u).unwrap();
            literal(&url.host().unwrap()).map(|r| r.kind)
        };
        assert_eq!(refused("http://127.0.0.1:8080/x"), Some("loopback"));
        assert_eq!(refused("http://[::1]/x"), Some("loopback"));
        assert_eq!(refused("http://[::ffff:10.0.0.1]/x"), Some("private"));
        assert_eq!(refused("http://LOCALHOST./x"), Some("loopback"));
        assert_eq!(refused("http://api.localhost/x"), Some("loopback"));
        assert_eq!(refused("http://2130706433/x"), Some("loopback"));
        assert_eq!(refused("http://0x7f.1/x"), Some("loopback"));
        assert_eq!(refused("https://hooks.example.com/x"), None);
        assert_eq!(refused("https://8.8.8.8/x"), None);
    }

    #[test]
    fn a_refusal_names_the_host_the_address_and_the_way_out() {
        let e = check("internal.example", &["10.0.0.7:0".parse().unwrap()]).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("internal.example resolves to 10.0.0.7, a private address"));
        assert!(msg.contains("--webhook-allow-private"));
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(e.clone());
        assert_eq!(refused_in(boxed.as_ref()), Some(&e));
    }
}
