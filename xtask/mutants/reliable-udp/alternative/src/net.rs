//! One nonblocking UDP socket and the poll that waits on it.
//!
//! Each program has one socket and one event loop: [`Endpoint::wait`]
//! sleeps until the socket is readable or a deadline passes, then the caller
//! drains the socket with [`Endpoint::recv`] or [`Endpoint::recv_from`]
//! until they return `None`. Draining to the end is not optional: mio
//! registers the socket edge-triggered, so a datagram left in the queue
//! raises no new event, and the next wait would sleep over it.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Instant;

use mio::{Events, Interest, Poll, Token};

const SOCKET: Token = Token(0);

pub struct Endpoint {
    socket: mio::net::UdpSocket,
    poll: Poll,
    events: Events,
}

impl Endpoint {
    /// Takes a bound (and maybe connected) std socket into the event loop.
    /// std does the binding and connecting because it resolves names
    /// (`localhost:7881`); mio's methods want a `SocketAddr`.
    pub fn new(socket: UdpSocket) -> io::Result<Endpoint> {
        socket.set_nonblocking(true)?;
        let mut socket = mio::net::UdpSocket::from_std(socket);
        let poll = Poll::new()?;
        poll.registry()
            .register(&mut socket, SOCKET, Interest::READABLE)?;
        Ok(Endpoint {
            socket,
            poll,
            events: Events::with_capacity(4),
        })
    }

    /// Sleeps until the socket may have datagrams (or an error: an ICMP
    /// port unreachable wakes it too), or until `deadline` (`None`: no
    /// limit). It may return early; callers look at the clock and the socket.
    pub fn wait(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        let timeout = deadline.map(|at| at.saturating_duration_since(Instant::now()));
        match self.poll.poll(&mut self.events, timeout) {
            // A signal woke us (EINTR): as good as a timeout.
            Err(err) if err.kind() == io::ErrorKind::Interrupted => Ok(()),
            other => other,
        }
    }

    /// The next queued datagram and its source; `None` when the queue is empty.
    pub fn recv_from(&self, buf: &mut [u8]) -> io::Result<Option<(usize, SocketAddr)>> {
        again(|| self.socket.recv_from(buf))
    }

    /// The next queued datagram of a connected socket; `None` when empty.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        again(|| self.socket.recv(buf))
    }

    /// Sends one datagram to the connected peer. A full send buffer
    /// (`WouldBlock`) drops it, as a full queue on the path would: the
    /// protocol repairs that loss like any other.
    pub fn send(&self, datagram: &[u8]) -> io::Result<()> {
        again(|| self.socket.send(datagram)).map(|_sent_or_dropped| ())
    }

    /// Sets the default peer: `send` and `recv` need no address, the
    /// kernel drops datagrams from anyone else from now on (those already
    /// queued stay), and an ICMP error about our datagrams comes back.
    pub fn connect(&self, peer: SocketAddr) -> io::Result<()> {
        self.socket.connect(peer)
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }
}

/// Runs a nonblocking call: `None` for "nothing now", retried on EINTR.
fn again<T>(mut call: impl FnMut() -> io::Result<T>) -> io::Result<Option<T>> {
    loop {
        match call() {
            Ok(value) => return Ok(Some(value)),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
    }
}

/// An ICMP port unreachable, as a connected socket reports it: nothing
/// listens at the peer's port (Windows says WSAECONNRESET).
pub fn is_refused(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
    )
}
