//! A fault-injecting TCP proxy between the grader and the student's server.
//!
//! It forwards both directions but splits every write into tiny segments with
//! small delays, so code that assumes one `read` returns one whole message is
//! caught: over a real network, TCP may deliver a message in any number of pieces.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use super::wire::write_fragmented;

/// What the proxy does to the bytes it forwards.
#[derive(Clone, Copy)]
pub struct Faults {
    /// Largest segment it writes (1 = every byte its own segment).
    pub max_segment: usize,
    /// Longest pause after a segment.
    pub max_delay: Duration,
}

/// A running proxy; dropping it stops it and every connection through it.
pub struct Proxy {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
    /// Bytes written on to the server so far, over all connections.
    forwarded: Arc<AtomicU64>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr, faults: Faults, seed: u64) -> io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let forwarded = Arc::new(AtomicU64::new(0));
        let counter = forwarded.clone();
        let task = tokio::spawn(async move {
            // The connections live in this set, so aborting the accept task ends them all.
            let mut connections = JoinSet::new();
            let mut seed = seed;
            while let Ok((client, _)) = listener.accept().await {
                seed = seed.wrapping_add(1);
                connections.spawn(forward(client, upstream, faults, seed, counter.clone()));
            }
        });
        Ok(Proxy {
            addr,
            task,
            forwarded,
        })
    }

    /// How many bytes the proxy has passed on to the server: with the count
    /// of what a client wrote into it, a test knows when its request has
    /// reached the server, so the time it gives the server to answer is not
    /// spent by the proxy's own trickling (which a busy machine slows down).
    pub fn forwarded(&self) -> Arc<AtomicU64> {
        self.forwarded.clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    client: TcpStream,
    upstream: SocketAddr,
    faults: Faults,
    seed: u64,
    forwarded: Arc<AtomicU64>,
) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return; // dropping `client` closes it: the grader sees the failure.
    };
    client.set_nodelay(true).ok();
    server.set_nodelay(true).ok();
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let up = pump(client_read, server_write, faults, seed, Some(forwarded));
    let down = pump(
        server_read,
        client_write,
        faults,
        seed.rotate_left(32),
        None,
    );
    let _ = tokio::join!(up, down);
}

/// Copies one direction in fragments; an EOF is passed on as a half-close.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    faults: Faults,
    seed: u64,
    count: Option<Arc<AtomicU64>>,
) -> io::Result<()> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            return to.shutdown().await;
        }
        write_fragmented(
            &mut to,
            &buf[..n],
            faults.max_segment,
            faults.max_delay,
            &mut rng,
        )
        .await?;
        if let Some(count) = &count {
            count.fetch_add(n as u64, Ordering::Relaxed);
        }
    }
}

/// A writer that counts the bytes written through it (a client's side of
/// a connection through the proxy; see [`Proxy::forwarded`]).
pub struct Counted<W> {
    inner: W,
    written: Arc<AtomicU64>,
}

impl<W> Counted<W> {
    pub fn new(inner: W) -> Counted<W> {
        Counted {
            inner,
            written: Arc::default(),
        }
    }

    pub fn written(&self) -> Arc<AtomicU64> {
        self.written.clone()
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for Counted<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            self.written.fetch_add(n as u64, Ordering::Relaxed);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
