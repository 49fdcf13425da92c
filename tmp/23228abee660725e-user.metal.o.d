user.metal.o: /tmp/metalsim-k-c3v9fidr/user.metal.cpp
