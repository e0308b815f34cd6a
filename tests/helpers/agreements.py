"""A handful of agreements written straight into the index tables (no sync needed)."""

from __future__ import annotations

import datetime as dt

from agreements_sync.models import Agreement, AgreementSupplier, IndexState
from bot.db import Database, utcnow

ROWS = [
    # id, title, category, description, keywords, end, final_end, status, suppliers
    ("RA-101", "Kontormøbler", "Møbler", "Kontorstoler, skrivebord, hev-senk-pulter og oppbevaring til kontorarbeidsplasser. Omfatter ikke møbler til barnehager.",
     ["kontorstol", "skrivebord", "pult"], dt.date(2027, 6, 30), dt.date(2028, 6, 30), "active", ["Kinnarps AS", "EFG Norge AS"]),
    ("RA-102", "Barnehagemøbler", "Møbler", "Møbler og inventar til barnehager: stoler, bord, stellebord, garderober.",
     ["barnehage", "stellebord"], dt.date(2027, 3, 31), dt.date(2028, 3, 31), "active", ["Lekolar AS"]),
    ("RA-201", "Kontorrekvisita og toner", "Kontorrekvisita", "Kontorrekvisita, papir, toner og blekk til skrivere.",
     ["toner", "papir", "blyant"], dt.date(2027, 12, 31), dt.date(2029, 12, 31), "active", ["Staples Norge AS"]),
    ("RA-301", "Skadedyrbekjempelse", "Eiendomsdrift", "Bekjempelse av skadedyr: rotter, mus, insekter.",
     ["skadedyr", "rotte"], dt.date(2025, 12, 31), dt.date(2025, 12, 31), "expired", ["Anticimex AS"]),
]


def seed_agreements(database: Database) -> list[str]:
    with database.session() as session:
        for ident, title, category, description, keywords, end, final_end, status, suppliers in ROWS:
            session.add(Agreement(
                id=ident, title=title, category=category, description=description, keywords=keywords,
                agreement_type="Rammeavtale", contracting_party="Lørenskog kommune", start_date=dt.date(2024, 1, 1),
                end_date=end, final_end_date=final_end, status=status, owner_name="Ola Eier",
                owner_email="ola.eier@lorenskog.kommune.no", adviser="Rita Rådgiver",
                adviser_email="rita.radgiver@lorenskog.kommune.no", ehandel=True, ordering="Bestill i e-handel.",
                document_url=f"https://avtaler.example/{ident}", synced_at=utcnow(),
            ))
            session.flush()
            for position, name in enumerate(suppliers):
                session.add(AgreementSupplier(agreement_id=ident, position=position, name=name))
        state = session.get(IndexState, 1)
        if state is None:
            session.add(IndexState(id=1, version=1, updated_at=utcnow()))
        else:
            state.version += 1
    return [row[0] for row in ROWS]
