//! Denormals-are-zero around `process()`, beside the flush-to-zero that nice-plug sets.
//!
//! FTZ only flushes denormal *results*; a denormal *operand* (from the host, or a tail a
//! kernel decays into) still takes the slow microcode path on x86 unless DAZ is set too.
//! The previous MXCSR is restored on drop, so the host's thread leaves as it came.

use std::marker::PhantomData;

#[cfg(target_arch = "x86_64")]
const DAZ_BIT: u32 = 1 << 6;

pub struct ScopedDaz {
    #[allow(unused)]
    restore: Option<u32>,
    /// Only the thread that set the register may restore it.
    _not_send: PhantomData<*const ()>,
}

/// The calling thread's MXCSR (0 where there is none).
pub fn mxcsr() -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        let mut value: u32 = 0;
        // SAFETY: stmxcsr only stores the control register into `value`.
        unsafe { std::arch::asm!("stmxcsr [{}]", in(reg) &mut value) };
        value
    }
    #[cfg(not(target_arch = "x86_64"))]
    0
}

impl ScopedDaz {
    pub fn enable() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            let old = mxcsr();
            if old & DAZ_BIT == 0 {
                // SAFETY: sets one mode bit of this thread's MXCSR; restored in `drop`.
                unsafe { std::arch::asm!("ldmxcsr [{}]", in(reg) &(old | DAZ_BIT)) };
                return Self {
                    restore: Some(old),
                    _not_send: PhantomData,
                };
            }
        }
        Self {
            restore: None,
            _not_send: PhantomData,
        }
    }
}

impl Drop for ScopedDaz {
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if let Some(old) = self.restore {
            // Keep whatever else changed meanwhile (nice-plug restores FTZ itself).
            let now = (mxcsr() & !DAZ_BIT) | (old & DAZ_BIT);
            // SAFETY: as in `enable`.
            unsafe { std::arch::asm!("ldmxcsr [{}]", in(reg) &now) };
        }
    }
}
