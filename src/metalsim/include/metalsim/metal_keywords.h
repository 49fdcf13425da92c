// metalsim: Metal's address-space keywords erased for host C++. Included LAST in the prelude,
// after every system header (a `#define thread` before <thread> or similar would break it), and
// never during the preprocessing pass that the rewriter reads (it must still see `threadgroup`).
#pragma once
#define device
#define constant
#define thread
#define threadgroup
#define threadgroup_imageblock
#define ray_data
#define object_data
