# FLECHE_DEV_MODE=ON (CI sets it): the warnings below, as errors. Users building
# a release keep the tolerant default (-Wall -Wextra -Wpedantic, never -Werror),
# so that a newer compiler's new warning cannot break their build.
#
# Chosen from the warnings ccache's developer mode enables (and its list of
# candidates), keeping those that gcc 12 supports and that fleche's code passes
# today. Left out: -Wformat=2 and -Wuseless-cast, which the code fails today
# (a strftime format passed through in cli/entry_view.cpp, a cast in
# util/clock.hpp); -Wold-style-cast, -Wconversion, -Wsign-conversion and
# -Wduplicated-branches, which ccache itself leaves for later, not tried yet.
set(FLECHE_DEV_WARNINGS
  -Wcast-align
  -Wdouble-promotion
  -Wextra-semi
  -Wnon-virtual-dtor
  -Wnull-dereference
  -Woverloaded-virtual
  -Wshadow
  -Wunused
  -Wlogical-op
  -Wduplicated-cond
)

function(fleche_dev_mode target)
  target_compile_options(${target} PRIVATE ${FLECHE_DEV_WARNINGS} -Werror)
endfunction()
