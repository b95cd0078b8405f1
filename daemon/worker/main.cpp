#include "worker.hpp"

int main(int argc, char** argv) { return verdict::worker::run(argc, argv); }
