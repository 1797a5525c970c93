// Module Reports: see Docs/ for its role in the data flow.
