#pragma once
// The studio's start-up: command line, settings, main window. Options (also for the screenshot
// script): --draft FILE, --history FILE, --simulate, --view ID, --screenshots DIR.
namespace verdict::studio {
int studioMain(int argc, char** argv);
}
