//! A lossy link that TCP and UDP cross alike: two network namespaces, each
//! with a TUN device, and a thread of this process between the two that
//! passes every IP packet through the grader's impairment model
//! ([`Way`], the same seeded fates as `udp_proxy`): lost with the link's
//! probability, else delivered after the delay.
//!
//! The receiver's side has 10.77.0.1, the sender's 10.77.0.2. The devices'
//! MTU is 1240 bytes: the rdt's largest datagram (1212 + 8 + 20), and TCP's
//! segments then carry about the same 1200 bytes of payload, so both lose
//! the same share of their bytes. A TUN device offers no segmentation
//! offload: TCP's segments cross one at a time, never as 64 KiB bundles.
//!
//! The namespaces have no name: each is made by a thread that leaves the
//! host's (`unshare`), and it lives as long as something holds it (the
//! link's descriptors, a socket or a process inside). Nothing is left to
//! clean up after the bench, even when it is killed. Needs root (or
//! CAP_SYS_ADMIN and CAP_NET_ADMIN), /dev/net/tun and the `ip` tool.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::time::Instant;

use crate::grade::udp_proxy::{Impair, Way};

pub(super) const RECV_ADDR: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
pub(super) const SEND_ADDR: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 2);
const MTU: &str = "1240";
const DEVICE: &str = "rdt0";

/// The link: both namespaces, and the thread that carries packets.
pub(super) struct Link {
    /// The receiver's namespace (10.77.0.1) and the sender's (10.77.0.2).
    pub(super) recv_ns: File,
    pub(super) send_ns: File,
    stop: Arc<AtomicBool>,
    carrier: Option<JoinHandle<()>>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(carrier) = self.carrier.take() {
            let _ = carrier.join();
        }
    }
}

impl Link {
    /// Both sides, `impair` in each direction; the fates come from `seed`.
    pub(super) fn new(impair: Impair, seed: u64) -> Result<Link> {
        let (recv_ns, recv_tun) = side(RECV_ADDR)?;
        let (send_ns, send_tun) = side(SEND_ADDR)?;
        let stop = Arc::new(AtomicBool::new(false));
        let forward = Way::new(impair, seed);
        let back = Way::new(impair, seed ^ 0x9e37_79b9_7f4a_7c15);
        let flag = stop.clone();
        let carrier = std::thread::Builder::new()
            .name("rdt-link".into())
            .spawn(move || carry(send_tun, recv_tun, forward, back, &flag))?;
        Ok(Link {
            recv_ns,
            send_ns,
            stop,
            carrier: Some(carrier),
        })
    }
}

/// Runs `f` on a thread inside the namespace `ns`: a socket it makes, a
/// process it starts, belongs there (and stays there once returned).
pub(super) fn within<T: Send>(ns: &File, f: impl FnOnce() -> io::Result<T> + Send) -> Result<T> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                // SAFETY: setns on this thread only, with a descriptor we hold.
                if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                    return Err(io::Error::last_os_error());
                }
                f()
            })
            .join()
            .expect("a thread inside the link does not panic")
    })
    .context("inside the link's namespace")
}

/// One side: a new namespace with a TUN device that has `addr`; its
/// namespace and the device's descriptor.
fn side(addr: Ipv4Addr) -> Result<(File, File)> {
    std::thread::spawn(move || -> Result<(File, File)> {
        // SAFETY: leaves the host's network namespace on this thread only.
        if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
            bail!(
                "a network namespace: {} (root is needed)",
                io::Error::last_os_error()
            );
        }
        let tun = open_tun()?;
        ip(&["addr", "add", &format!("{addr}/24"), "dev", DEVICE])?;
        ip(&["link", "set", DEVICE, "mtu", MTU, "up"])?;
        let ns = File::open("/proc/thread-self/ns/net")?;
        Ok((ns, tun))
    })
    .join()
    .expect("the thread that makes a namespace does not panic")
}

fn open_tun() -> Result<File> {
    let tun = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open("/dev/net/tun")
        .context("/dev/net/tun")?;
    // SAFETY: ifreq is plain data; all zeros is a valid value.
    let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
    for (to, from) in request.ifr_name.iter_mut().zip(DEVICE.bytes()) {
        *to = from as libc::c_char;
    }
    request.ifr_ifru.ifru_flags = (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short;
    // SAFETY: TUNSETIFF reads the ifreq we pass, which outlives the call.
    if unsafe { libc::ioctl(tun.as_raw_fd(), libc::TUNSETIFF, &request) } != 0 {
        bail!("a TUN device: {}", io::Error::last_os_error());
    }
    Ok(tun)
}

fn ip(args: &[&str]) -> Result<()> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("the `ip` tool (iproute2)")?;
    if !out.status.success() {
        bail!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Packets waiting for their time: when, which device they go out of
/// (0: the sender's, 1: the receiver's), the packet. In order of time.
type Queue = std::collections::VecDeque<(Instant, usize, Vec<u8>)>;

/// Moves packets until `stop`: read from one device, decided by that
/// direction's [`Way`], written to the other one when their time comes.
fn carry(send_tun: File, recv_tun: File, forward: Way, back: Way, stop: &AtomicBool) {
    let mut tuns = [send_tun, recv_tun];
    // The packets read from the sender's side go forward, to the receiver's.
    let mut ways = [forward, back];
    let mut queue = Queue::new();
    let mut buf = vec![0u8; 65_536];
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        while queue.front().is_some_and(|(at, _, _)| *at <= now) {
            let (_, to, packet) = queue.pop_front().expect("checked");
            // A full device queue drops the packet, as a link would.
            let _ = tuns[to].write(&packet);
        }
        let wait = queue
            .front()
            .map_or(Duration::from_millis(20), |(at, _, _)| *at - now)
            .min(Duration::from_millis(20));
        let mut fds = tuns.each_ref().map(|tun| libc::pollfd {
            fd: tun.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        });
        let timeout = libc::timespec {
            tv_sec: 0,
            tv_nsec: wait.as_nanos() as libc::c_long,
        };
        // SAFETY: both pollfds and the timespec outlive the call.
        unsafe { libc::ppoll(fds.as_mut_ptr(), 2, &timeout, std::ptr::null()) };
        for from in 0..2 {
            if fds[from].revents & libc::POLLIN == 0 {
                continue;
            }
            // Every packet that is there: the device is non-blocking.
            while let Ok(n @ 1..) = tuns[from].read(&mut buf) {
                let mut packet = buf[..n].to_vec();
                let (_, times) = ways[from].decide(&mut packet, Instant::now());
                for at in times {
                    let index = queue.partition_point(|(t, _, _)| *t <= at);
                    queue.insert(index, (at, 1 - from, packet.clone()));
                }
            }
        }
    }
}
