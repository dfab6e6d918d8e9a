//! The plugin's own background thread: designs linear-phase EQ kernels and drops the ones the
//! audio thread has finished with, so neither work nor deallocation happens in `process()`.
//!
//! It is owned by the plugin and joined when the plugin is dropped (on the host's main
//! thread). nice-plug's shared background thread is not used for this: if the host destroys
//! the plugin while a task runs there, the last reference is released on that very thread,
//! which then tries to join itself.

use crossbeam::channel::{bounded, Sender, TrySendError};
use crossbeam::queue::ArrayQueue;
use lacquer_dsp::eq::band::EqParams;
use lacquer_dsp::eq::linear_phase::{LinearPhaseDesigner, LinearPhaseKernel, LinearPhaseLatency};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Designed kernels waiting for the audio thread.
const READY_KERNELS: usize = 4;
/// Design requests in flight at once (each travels in a preallocated box).
const REQUEST_BOXES: usize = 4;
const QUEUE: usize = 64;

pub enum Job {
    Design {
        eq: Box<EqParams>,
        size: LinearPhaseLatency,
        sample_rate: f64,
    },
    Retire(Box<LinearPhaseKernel>),
    Shutdown,
}

pub struct KernelThread {
    jobs: Sender<Job>,
    thread: Option<JoinHandle<()>>,
    /// Designed kernels, oldest first.
    pub ready: Arc<ArrayQueue<Box<LinearPhaseKernel>>>,
    /// Empty request boxes; the worker puts each back after use.
    boxes: Arc<ArrayQueue<Box<EqParams>>>,
    /// Kernels that could not be sent yet (queue full); capacity reserved up front. Boxed
    /// because they arrive and leave as boxes: moving the kernel out would free the box here.
    #[allow(clippy::vec_box)]
    stash: Vec<Box<LinearPhaseKernel>>,
}

impl Default for KernelThread {
    fn default() -> Self {
        Self::spawn()
    }
}

impl KernelThread {
    pub fn spawn() -> Self {
        let (jobs, inbox) = bounded::<Job>(QUEUE);
        let ready = Arc::new(ArrayQueue::new(READY_KERNELS));
        let boxes = Arc::new(ArrayQueue::new(REQUEST_BOXES));
        for _ in 0..REQUEST_BOXES {
            let _ = boxes.push(Box::new(EqParams::default()));
        }
        let (ready_w, boxes_w) = (ready.clone(), boxes.clone());
        let thread = std::thread::Builder::new()
            .name("lacquer-worker".into())
            .spawn(move || {
                let mut designer = LinearPhaseDesigner::new();
                for job in inbox {
                    match job {
                        Job::Design {
                            eq,
                            size,
                            sample_rate,
                        } => {
                            let kernel = designer.design_kernel(&eq, sample_rate, size);
                            let _ = boxes_w.push(eq);
                            // Full means the audio thread is behind; the displaced (oldest)
                            // design is stale and is dropped here.
                            drop(ready_w.force_push(kernel));
                        }
                        Job::Retire(kernel) => drop(kernel),
                        Job::Shutdown => break,
                    }
                }
            })
            .ok();
        Self {
            jobs,
            thread,
            ready,
            boxes,
            stash: Vec::with_capacity(QUEUE),
        }
    }

    /// Audio thread: ask for a design. False if no request box is free (try again later).
    pub fn request_design(
        &self,
        eq: &EqParams,
        size: LinearPhaseLatency,
        sample_rate: f64,
    ) -> bool {
        let Some(mut boxed) = self.boxes.pop() else {
            return false;
        };
        *boxed = *eq;
        match self.jobs.try_send(Job::Design {
            eq: boxed,
            size,
            sample_rate,
        }) {
            Ok(()) => true,
            Err(TrySendError::Full(Job::Design { eq, .. }))
            | Err(TrySendError::Disconnected(Job::Design { eq, .. })) => {
                let _ = self.boxes.push(eq);
                false
            }
            Err(_) => false,
        }
    }

    /// Audio thread: hand over a kernel to drop. Never deallocates here: a full queue parks it
    /// in the reserved stash until the next call.
    pub fn retire(&mut self, kernel: Box<LinearPhaseKernel>) {
        if self.stash.len() < self.stash.capacity() {
            self.stash.push(kernel);
        } else {
            // Cannot happen with a live worker (the stash is as large as the queue); dropping
            // here is the last resort.
            drop(kernel);
        }
        while let Some(k) = self.stash.pop() {
            if let Err(TrySendError::Full(Job::Retire(k))) = self.jobs.try_send(Job::Retire(k)) {
                self.stash.push(k);
                break;
            }
        }
    }
}

impl Drop for KernelThread {
    fn drop(&mut self) {
        let _ = self.jobs.send(Job::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
